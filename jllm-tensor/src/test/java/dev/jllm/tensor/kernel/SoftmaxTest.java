package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.jllm.tensor.kernel.KernelRef.close;
import static org.assertj.core.api.Assertions.assertThat;

class SoftmaxTest {
    @Test
    void softmaxAndLogSoftmaxMatchScalarReference() {
        Random rnd = new Random(3);
        for (int n : KernelRef.SIZES) {
            int rows = 3;
            float[] x = KernelRef.randn(rnd, 2 + rows * n, 5.0);
            for (int i = 2 + n; i < 2 + 2 * n; i++) x[i] += 500f;          // row 1: logits that overflow exp
            for (int i = 2 + 2 * n + 1; i < 2 + 3 * n; i += 2) x[i] = Float.NEGATIVE_INFINITY; // row 2: masked
            float[] p = new float[rows * n], lp = new float[rows * n];
            Softmax.softmaxRows(x, 2, p, 0, rows, n);
            Softmax.logSoftmaxRows(x, 2, lp, 0, rows, n);
            for (int r = 0; r < rows; r++) {
                close("softmax n=" + n + " row " + r, KernelRef.softmax(x, 2 + r * n, n), p, r * n, 2e-6, 1e-9);
                close("log_softmax n=" + n + " row " + r, KernelRef.logSoftmax(x, 2 + r * n, n), lp, r * n, 2e-6, 2e-6);
            }
            // in place
            double[] expect = KernelRef.softmax(x, 2, n);
            Softmax.softmax(x, 2, x, 2, n);
            close("softmax in place n=" + n, expect, x, 2, 2e-6, 1e-9);
        }
    }

    @Test
    void manyRowsSplitAcrossThreadsMatchRowByRow() {
        Random rnd = new Random(17);
        int rows = 300, n = 100;
        float[] x = KernelRef.randn(rnd, rows * n, 3.0), p = new float[rows * n], lp = new float[rows * n];
        Softmax.softmaxRows(x, 0, p, 0, rows, n);
        Softmax.logSoftmaxRows(x, 0, lp, 0, rows, n);
        for (int r = 0; r < rows; r++) {
            close("softmax row " + r, KernelRef.softmax(x, r * n, n), p, r * n, 2e-6, 1e-9);
            close("log_softmax row " + r, KernelRef.logSoftmax(x, r * n, n), lp, r * n, 2e-6, 2e-6);
        }
    }

    @Test
    void fullyMaskedRowIsAllZerosAndLogIsMinusInfinity() {
        float[] x = new float[37];
        Arrays.fill(x, Float.NEGATIVE_INFINITY);
        float[] p = new float[37], lp = new float[37];
        Softmax.softmax(x, 0, p, 0, 37);
        Softmax.logSoftmax(x, 0, lp, 0, 37);
        for (int i = 0; i < 37; i++) {
            assertThat(p[i]).isEqualTo(0f);
            assertThat(lp[i]).isEqualTo(Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void singleLiveEntryGetsAllTheMass() {
        float[] x = new float[33];
        Arrays.fill(x, Float.NEGATIVE_INFINITY);
        x[32] = -1e30f;
        Softmax.softmax(x, 0, x, 0, 33);
        assertThat(x[32]).isEqualTo(1f);
        assertThat(x[0]).isEqualTo(0f);
    }

    @Test
    void matchesPyTorch() {
        for (KernelFixtures.Case c : KernelFixtures.load("softmax")) {
            int rows = c.i("rows"), n = c.i("n");
            float[] p = new float[rows * n], lp = new float[rows * n];
            Softmax.softmaxRows(c.a("x"), 0, p, 0, rows, n);
            Softmax.logSoftmaxRows(c.a("x"), 0, lp, 0, rows, n);
            close(c.name() + " softmax", c.a("softmax"), p, 0, 2e-6, 1e-9);
            close(c.name() + " log_softmax", c.a("log_softmax"), lp, 0, 2e-6, 2e-6);
        }
    }
}

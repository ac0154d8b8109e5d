package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jllm.tensor.kernel.KernelRef.close;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NormsTest {
    private static final double REL = 3e-6, ABS = 2e-6;

    @Test
    void rmsNormMatchesScalarReference() {
        Random rnd = new Random(1);
        for (int n : KernelRef.SIZES) {
            for (int rows : new int[] {1, 4}) {
                int xOff = 3, outOff = 5, wOff = 2;
                float[] x = KernelRef.randn(rnd, xOff + rows * n + 4, 2.0);
                float[] w = KernelRef.randn(rnd, wOff + n, 1.0);
                float[] wPlain = java.util.Arrays.copyOfRange(w, wOff, wOff + n);
                float[] out = new float[outOff + rows * n + 6];
                java.util.Arrays.fill(out, 42f);
                Norms.rmsNormRows(x, xOff, w, wOff, out, outOff, rows, n, 1e-5f);
                for (int r = 0; r < rows; r++) {
                    close("rms n=" + n + " row " + r, KernelRef.rmsNorm(x, xOff + r * n, wPlain, n, 1e-5), out,
                            outOff + r * n, REL, ABS);
                }
                KernelRef.untouched("rms out", out, 0, outOff, 42f);
                KernelRef.untouched("rms out", out, outOff + rows * n, out.length, 42f);
                // no weight, in place
                double[] expect = KernelRef.rmsNorm(x, xOff, null, n, 1e-6);
                Norms.rmsNorm(x, xOff, null, 0, x, xOff, n, 1e-6f);
                close("rms in place n=" + n, expect, x, xOff, REL, ABS);
            }
        }
    }

    @Test
    void layerNormMatchesScalarReference() {
        Random rnd = new Random(2);
        for (int n : KernelRef.SIZES) {
            int rows = 3;
            float[] x = KernelRef.randn(rnd, 1 + rows * n, 3.0);
            for (int i = 0; i < x.length; i++) x[i] += 10f; // a large mean: the two-pass variance matters
            float[] w = KernelRef.randn(rnd, n, 1.0), b = KernelRef.randn(rnd, n, 1.0);
            float[] out = new float[rows * n];
            Norms.layerNormRows(x, 1, w, 0, b, 0, out, 0, rows, n, 1e-5f);
            for (int r = 0; r < rows; r++) {
                close("ln n=" + n, KernelRef.layerNorm(x, 1 + r * n, w, b, n, 1e-5), out, r * n, REL, 1e-5);
            }
            Norms.layerNorm(x, 1, null, 0, null, 0, out, 0, n, 1e-5f);
            close("ln plain n=" + n, KernelRef.layerNorm(x, 1, null, null, n, 1e-5), out, 0, REL, 1e-5);
        }
    }

    @Test
    void matchesPyTorch() {
        for (KernelFixtures.Case c : KernelFixtures.load("norms")) {
            int rows = c.i("rows"), n = c.i("n");
            float eps = (float) c.d("eps");
            float[] x = c.a("x"), out = new float[rows * n], plain = new float[rows * n];
            if (c.s("kind").equals("rms")) {
                Norms.rmsNormRows(x, 0, c.a("w"), 0, out, 0, rows, n, eps);
                Norms.rmsNormRows(x, 0, null, 0, plain, 0, rows, n, eps);
            } else {
                Norms.layerNormRows(x, 0, c.a("w"), 0, c.a("b"), 0, out, 0, rows, n, eps);
                Norms.layerNormRows(x, 0, null, 0, null, 0, plain, 0, rows, n, eps);
            }
            close(c.name(), c.a("out"), out, 0, REL, ABS);
            close(c.name() + " without weight", c.a("out_noweight"), plain, 0, REL, ABS);
        }
    }

    @Test
    void manyRowsSplitAcrossThreadsMatchRowByRow() {
        Random rnd = new Random(16);
        int rows = 300, n = 257; // 77K elements: several parallel chunks
        float[] x = KernelRef.randn(rnd, rows * n, 1.0), w = KernelRef.randn(rnd, n, 1.0), b = KernelRef.randn(rnd, n, 1.0);
        float[] rms = new float[rows * n], ln = new float[rows * n];
        Norms.rmsNormRows(x, 0, w, 0, rms, 0, rows, n, 1e-5f);
        Norms.layerNormRows(x, 0, w, 0, b, 0, ln, 0, rows, n, 1e-5f);
        for (int r = 0; r < rows; r++) {
            close("rms row " + r, KernelRef.rmsNorm(x, r * n, w, n, 1e-5), rms, r * n, REL, ABS);
            close("ln row " + r, KernelRef.layerNorm(x, r * n, w, b, n, 1e-5), ln, r * n, REL, 1e-5);
        }
    }

    @Test
    void rejectsSlicesOutsideTheArrays() {
        float[] x = new float[10];
        assertThatThrownBy(() -> Norms.rmsNormRows(x, 0, null, 0, x, 0, 2, 6, 1e-5f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x").hasMessageContaining("12");
        assertThatThrownBy(() -> Norms.rmsNorm(x, 0, new float[3], 0, x, 0, 4, 1e-5f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight");
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.jllm.tensor.kernel.MatVecTestData.*;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * QuantMatMul for every weight dtype: each output row must equal a separate matvec of that
 * token (same arithmetic up to summation order, hence a 1e-5 relative slack; on the GEMM path
 * for many tokens x is not rounded to int8, so the rounding bound is added), and match the
 * double-precision reference.
 */
class QuantMatMulTest {
    private static final int[] TOKENS = {1, 2, 7, 16};

    @Test
    void everyDtypeEqualsSeparateMatVecs() {
        Random rnd = new Random(11);
        List<DType> types = new ArrayList<>(List.of(DType.F32, DType.F16, DType.BF16));
        types.addAll(BLOCK32);
        types.addAll(KQUANTS);
        for (DType t : types) {
            for (int rows : new int[] {1, 3, 33}) {
                int cols = t.isQuantized() ? (t.blockSize() == 32 ? 96 : 512) : 33;
                for (int m : TOKENS) {
                    Tensor w = t.isQuantized() ? randomQuantized(rnd, t, rows, cols) : randomFloat(rnd, t, t == DType.F32 && m % 2 == 0, rows, cols);
                    check(rnd, t + " m=" + m, w, m);
                }
            }
        }
    }

    @Test
    void manyRowsAndTokensSplitOverThreads() {
        Random rnd = new Random(12);
        for (DType t : List.of(DType.Q8_0, DType.Q4_0, DType.Q5_1, DType.Q4_K, DType.F16)) {
            Tensor w = t.isQuantized() ? randomQuantized(rnd, t, 70, 256) : randomFloat(rnd, t, false, 70, 256);
            check(rnd, t + " 70 rows", w, 16);
            Tensor few = t.isQuantized() ? randomQuantized(rnd, t, 5, 256) : randomFloat(rnd, t, false, 5, 256);
            check(rnd, t + " 5 rows, 33 tokens", few, 33);
        }
    }

    /** From {@link QuantMatMul#GEMM_TOKENS} tokens on, weights are widened and multiplied by the GEMM. */
    @Test
    void manyTokensGoThroughTheGemm() {
        Random rnd = new Random(13);
        int m = QuantMatMul.GEMM_TOKENS + 3;
        for (DType t : List.of(DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_1, DType.Q5_0, DType.Q2_K, DType.Q3_K, DType.Q6_K, DType.IQ4_NL, DType.IQ4_XS)) {
            int cols = t.isQuantized() ? t.blockSize() * 2 : 40;
            Tensor w = t.isQuantized() ? randomQuantized(rnd, t, 21, cols) : randomFloat(rnd, t, t == DType.F32, 21, cols);
            check(rnd, t + " m=" + m, w, m);
        }
        // F32 in a segment takes the widening path too
        check(rnd, "F32 segment m=" + m, randomFloat(rnd, DType.F32, false, 19, 70), m);
    }

    @Test
    void badShapesNameTheShapes() {
        Tensor w = Tensor.allocate(DType.Q8_0, 4, 64);
        assertThatThrownBy(() -> QuantMatMul.matmul(w, new float[64 * 3 - 1], 0, 3, new float[12], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X [3, 64]");
        assertThatThrownBy(() -> QuantMatMul.matmul(w, new float[64 * 3], 0, 3, new float[11], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Y [3, 4]");
        assertThatThrownBy(() -> QuantMatMul.matmul(w, new float[64], 0, -1, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m=-1");
    }

    private static double blockAmax(float[] x, int off, int c) {
        double amax = 0;
        for (int i = c / 32 * 32; i < c / 32 * 32 + 32; i++) amax = Math.max(amax, Math.abs(x[off + i]));
        return amax;
    }

    private static void check(Random rnd, String what, Tensor w, int m) {
        int rows = w.size(0), cols = w.size(1);
        int xOff = 3, yOff = 5;
        float[] x = randomX(rnd, xOff + m * cols);
        float[] y = new float[yOff + m * rows];
        QuantMatMul.matmul(w, x, xOff, m, y, yOff);
        float[] wf = dequantized(w);
        float[] single = new float[rows];
        // The GEMM path uses x unrounded while matvec rounds it to int8 blocks (quantized
        // weights): then the two may differ by the rounding bound (see assertMatVec).
        boolean roundingDiffers = m >= QuantMatMul.GEMM_TOKENS && w.dtype().isQuantized();
        for (int t = 0; t < m; t++) {
            MatVec.matvec(w, x, xOff + t * cols, single, 0);
            for (int r = 0; r < rows; r++) {
                double abs = 0, rounding = 0;
                for (int c = 0; c < cols; c++) {
                    abs += Math.abs(wf[r * cols + c] * x[xOff + t * cols + c]);
                    if (roundingDiffers) rounding += Math.abs(wf[r * cols + c]) * blockAmax(x, xOff + t * cols, c) / 127 / 2;
                }
                assertEquals(single[r], y[yOff + t * rows + r], rounding * 1.001 + 1e-5 * abs + 1e-30, what + " token " + t + " row " + r);
            }
            assertMatVec(what + " token " + t, w.dtype(), wf, rows, cols, x, xOff + t * cols, y, yOff + t * rows);
        }
    }
}

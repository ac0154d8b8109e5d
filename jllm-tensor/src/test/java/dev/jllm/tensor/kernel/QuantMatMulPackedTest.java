package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static dev.jllm.tensor.kernel.MatVecTestData.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packed multi-token Q4_0 kernel ({@link QuantMatMulPacked}, behind {@link QuantMatMul} for
 * every m >= 2, also past the GEMM threshold of the other dtypes): every token row must equal the single-token matvec of that
 * token (same int8 activations and integer block sums; only the float summation order
 * differs) and the double-precision reference on the dequantized weight. Run at every
 * vector width by the surefire executions (scalar, 128, 256, 512 bits).
 */
class QuantMatMulPackedTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a batching server does at start: from here on 2+ token products take the packed path. */
    @org.junit.jupiter.api.BeforeAll
    static void asABatchingServerDoes() {
        QuantMatMul.repackForBatches();
        assertTrue(QuantMatMulPacked.enabled() || "false".equals(System.getProperty("jllm.matmul.packed")));
    }

    @Test
    void equalsSeparateMatVecsForManyTokenCountsAndRaggedTiles() {
        Random rnd = new Random(21);
        for (int rows : new int[] {1, 5, QuantMatMulPacked.R + 3, 70}) {
            for (int cols : new int[] {32, 96, 256}) {
                Tensor w = randomQuantized(rnd, DType.Q4_0, rows, cols);
                for (int m : new int[] {2, 3, 8, 16, 17, 63, QuantMatMul.GEMM_TOKENS + 3}) {
                    check(rnd, rows + "x" + cols + " m=" + m, w, randomX(rnd, 3 + m * cols), m);
                }
            }
        }
    }

    @Test
    void q8EqualsSeparateMatVecs() {
        Random rnd = new Random(24);
        for (int rows : new int[] {1, QuantMatMulPacked.R + 3, 70}) {
            for (int cols : new int[] {32, 96}) {
                Tensor w = randomQuantized(rnd, DType.Q8_0, rows, cols);
                for (int m : new int[] {2, 3, 5, 8, 17, QuantMatMul.GEMM_TOKENS - 1}) {
                    check(rnd, "Q8_0 " + rows + "x" + cols + " m=" + m, w, randomX(rnd, 3 + m * cols), m);
                }
            }
        }
    }

    /** Q8_0 at the extremes: -128, 127 and -127 against activations at +-127 (each half-sum at 8 * 127 * 32). */
    @Test
    void q8ExtremeBlocks() {
        int rows = QuantMatMulPacked.R + 1, cols = 64;
        Tensor w = Tensor.allocate(DType.Q8_0, rows, cols);
        MemorySegment seg = w.segment();
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < 2; b++) {
                long off = (long) (r * 2 + b) * 34;
                seg.set(I16, off, Float.floatToFloat16(0.002f * (r % 2 == 0 ? 1 : -1)));
                byte q = (byte) (r % 3 == 0 ? -128 : r % 3 == 1 ? 127 : -127);
                for (int j = 0; j < 32; j++) seg.set(ValueLayout.JAVA_BYTE, off + 2 + j, q);
            }
        }
        int m = 6;
        float[] x = new float[3 + m * cols];
        for (int t = 0; t < m; t++) {
            for (int c = 0; c < cols; c++) x[3 + t * cols + c] = (t % 2 == 0 ? 1 : -1) * (c < 32 ? 2.5f : 0.01f);
        }
        check(new Random(25), "Q8_0 extreme", w, x, m);
    }

    @Test
    void takesThePackedPathAndCachesTheRepackPerTensor() {
        Random rnd = new Random(22);
        Tensor w = randomQuantized(rnd, DType.Q4_0, 40, 64);
        assertTrue(QuantMatMulPacked.applies(MatVecWeight.of(w, "test")) || !QuantMatMulPacked.enabled());
        float[] x = randomX(rnd, 3 + 5 * 64);
        float[] a = new float[5 + 5 * 40], b = new float[5 + 5 * 40];
        QuantMatMul.matmul(w, x, 3, 5, a, 5);
        QuantMatMul.matmul(w, x, 3, 5, b, 5);
        assertEquals(Arrays.toString(a), Arrays.toString(b));
    }

    /**
     * Extreme blocks: every weight -8 (or +7) against activations at +-127, where a block's
     * 32 products reach the 16-bit limit (8 * 127 * 32 = 32512): no overflow may show.
     */
    @Test
    void extremeBlocksStayInsideSixteenBits() {
        int rows = QuantMatMulPacked.R + 1, cols = 64;
        Tensor w = Tensor.allocate(DType.Q4_0, rows, cols);
        MemorySegment seg = w.segment();
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < 2; b++) {
                long off = (long) (r * 2 + b) * 18;
                seg.set(I16, off, Float.floatToFloat16(0.03f * (r % 2 == 0 ? 1 : -1)));
                byte q = (byte) (r % 3 == 0 ? 0x00 : r % 3 == 1 ? 0xff : 0x0f); // -8,-8 / 7,7 / 7,-8
                for (int j = 0; j < 16; j++) seg.set(ValueLayout.JAVA_BYTE, off + 2 + j, q);
            }
        }
        int m = 6;
        float[] x = new float[3 + m * cols];
        for (int t = 0; t < m; t++) {
            for (int c = 0; c < cols; c++) x[3 + t * cols + c] = (t % 2 == 0 ? 1 : -1) * (c < 32 ? 2.5f : 0.01f);
        }
        check(new Random(23), "extreme", w, x, m);
    }

    private static void check(Random rnd, String what, Tensor w, float[] x, int m) {
        int rows = w.size(0), cols = w.size(1), xOff = 3, yOff = 5;
        float[] y = new float[yOff + m * rows + 2];
        Arrays.fill(y, Float.NaN);
        QuantMatMul.matmul(w, x, xOff, m, y, yOff);
        float[] wf = dequantized(w);
        float[] single = new float[rows];
        for (int t = 0; t < m; t++) {
            MatVec.matvec(w, x, xOff + t * cols, single, 0);
            for (int r = 0; r < rows; r++) {
                double abs = 0;
                for (int c = 0; c < cols; c++) abs += Math.abs(wf[r * cols + c] * x[xOff + t * cols + c]);
                assertEquals(single[r], y[yOff + t * rows + r], 1e-5 * abs + 1e-30, what + " token " + t + " row " + r);
            }
            assertMatVec(what + " token " + t, w.dtype(), wf, rows, cols, x, xOff + t * cols, y, yOff + t * rows);
        }
        // nothing written outside Y
        for (int i = 0; i < yOff; i++) assertTrue(Float.isNaN(y[i]), what + " wrote before Y");
        for (int i = yOff + m * rows; i < y.length; i++) assertTrue(Float.isNaN(y[i]), what + " wrote after Y");
    }
}

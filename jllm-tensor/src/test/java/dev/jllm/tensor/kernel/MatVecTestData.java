package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.quant.Quants;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Weights and the reference for the matvec tests. Quantized weights are random bytes (so
 * every bit pattern of the values occurs, Q8_0's -128 included) with their fp16 scale fields
 * set to moderate values; the reference dequantizes them with {@link Quants#dequantize}
 * (the block codecs, written independently from the kernels' integer decoders) and takes
 * the dot in double precision.
 */
final class MatVecTestData {
    private MatVecTestData() {}

    static final List<DType> BLOCK32 = List.of(DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q5_1, DType.IQ4_NL);
    /** The 256-element super-block formats: the K-quants and IQ4_XS. */
    static final List<DType> KQUANTS = List.of(DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.IQ4_XS);
    static final int[] ROWS = {1, 3, 31, 33};
    static final int[] COLS32 = {32, 64, 96, 288};
    static final int[] COLSK = {256, 512, 768};
    static final int[] COLS_FLOAT = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 100};

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Byte offsets of the fp16 fields (d, and dmin/m where present) inside one block. */
    static int[] halfFields(DType t) {
        return switch (t) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    /** A [rows, cols] quantized weight of random blocks with scales in +-[0.002, 0.05). */
    static Tensor randomQuantized(Random rnd, DType t, int rows, int cols) {
        Tensor w = Tensor.allocate(t, rows, cols);
        MemorySegment seg = w.segment();
        for (long i = 0; i < seg.byteSize(); i++) seg.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
        long blocks = (long) rows * cols / t.blockSize();
        for (long b = 0; b < blocks; b++) {
            for (int f : halfFields(t)) {
                float v = (0.002f + 0.048f * rnd.nextFloat()) * (rnd.nextBoolean() ? 1 : -1);
                seg.set(I16, b * t.blockBytes() + f, Float.floatToFloat16(v));
            }
        }
        return w;
    }

    /** Plain weights: F32 on the heap or in a segment, F16/BF16 in a segment, incl. fp16 subnormals. */
    static Tensor randomFloat(Random rnd, DType t, boolean heap, int rows, int cols) {
        Tensor w = heap ? Tensor.zeros(rows, cols) : Tensor.allocate(t, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float v = (float) rnd.nextGaussian();
                if (rnd.nextInt(10) == 0) v *= 1e-6f; // fp16 subnormal range
                w.set(v, r, c);
            }
        }
        return w;
    }

    static float[] randomX(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(8) == 0 ? 4 : 1));
        return x;
    }

    /**
     * Dequantized weight, row-major, via the literal ggml transcription; once the codecs exist
     * ({@code Quants.dequantize}) they must give the same floats, which checks both.
     */
    static float[] dequantized(Tensor w) {
        if (!w.dtype().isQuantized()) return w.toFloatArray();
        int rows = w.size(0), cols = w.size(1);
        float[] out = new float[rows * cols];
        long rowBytes = w.dtype().byteSize(cols);
        for (int r = 0; r < rows; r++) {
            MatVecGgmlReference.dequantize(w.dtype(), w.segment(), w.byteOffset() + r * rowBytes, out, r * cols, cols);
        }
        float[] codec = new float[rows * cols];
        try {
            for (int r = 0; r < rows; r++) Quants.dequantize(w.dtype(), w.segment(), w.byteOffset() + r * rowBytes, codec, r * cols, cols);
        } catch (UnsupportedOperationException notYet) {
            return out; // the codecs land separately; the ggml transcription alone decides meanwhile
        }
        for (int i = 0; i < out.length; i++) {
            assertEquals(out[i], codec[i], Math.abs(out[i]) * 1e-6f, w.dtype() + " Quants.dequantize element " + i);
        }
        return out;
    }

    /**
     * Checks y against the double-precision dot of the dequantized weight with x.
     *
     * <p>Quantized weights: the kernels use x rounded to int8 blocks of 32 with step
     * d = amax/127, so each x_i moves by at most d/2 and y by at most sum_i |w_i| d(i) / 2;
     * on top of that the float accumulation contributes a relative 1e-5 of sum |w_i x_i|.
     * Float weights: only accumulation error, 1e-5 of sum |w_i x_i| (plus a tiny absolute
     * slack for rows whose terms cancel to zero).
     */
    static void assertMatVec(String what, DType t, float[] wf, int rows, int cols, float[] x, int xOff, float[] y, int yOff) {
        double[] step = new double[cols];
        if (t.isQuantized()) {
            for (int b = 0; b < cols / 32; b++) {
                double amax = 0;
                for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[xOff + 32 * b + i]));
                for (int i = 0; i < 32; i++) step[32 * b + i] = amax / 127;
            }
        }
        for (int r = 0; r < rows; r++) {
            double ref = 0, abs = 0, quant = 0;
            for (int c = 0; c < cols; c++) {
                double wv = wf[r * cols + c];
                ref += wv * x[xOff + c];
                abs += Math.abs(wv * x[xOff + c]);
                quant += Math.abs(wv) * step[c] / 2;
            }
            double tol = quant * 1.001 + 1e-5 * abs + 1e-30;
            assertEquals(ref, y[yOff + r], tol, what + " row " + r + " of " + rows + "x" + cols);
        }
    }
}

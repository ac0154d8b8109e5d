package dev.jllm.tensor.quant;

import dev.jllm.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Entry point to the ggml block formats: dequantize and quantize runs of whole blocks, byte
 * for byte as ggml's reference code (quantize_row_*_ref / dequantize_row_*) does. One class
 * per format in this package; the fused matvec kernels live in {@code dev.jllm.tensor.kernel}.
 */
public final class Quants {
    private Quants() {}

    /** Blocks moved between the segment and the heap per bulk copy. */
    private static final int BATCH = 64;

    private static BlockCodec codec(DType type) {
        return switch (type) {
            case Q8_0 -> new Q8_0();
            case Q4_0 -> new Q4_0();
            case Q4_1 -> new Q4_1();
            case Q5_0 -> new Q5_0();
            case Q5_1 -> new Q5_1();
            case Q2_K -> new Q2K();
            case Q3_K -> new Q3K();
            case Q4_K -> new Q4K();
            case Q5_K -> new Q5K();
            case Q6_K -> new Q6K();
            case IQ4_NL -> new IQ4NL();
            case IQ4_XS -> new IQ4XS();
            default -> throw new IllegalArgumentException(type + " is not a block-quantized type");
        };
    }

    /** The 16 int8 levels IQ4_NL and IQ4_XS indices point at (ggml's kvalues_iq4nl), a copy. */
    public static byte[] iq4Levels() { return NonLinear4.VALUES.clone(); }

    private static int blocks(DType type, int n) {
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " works on whole blocks of " + type.blockSize()
                    + " elements; " + n + " is not a multiple");
        }
        return n / type.blockSize();
    }

    /** Decodes {@code n} elements (a multiple of the block size) starting at byte {@code srcByteOffset}. */
    public static void dequantize(DType type, MemorySegment src, long srcByteOffset, float[] dst, int dstOffset, int n) {
        BlockCodec c = codec(type);
        int nb = blocks(type, n), bs = type.blockSize(), bb = type.blockBytes();
        byte[] buf = new byte[Math.min(nb, BATCH) * bb];
        for (int i = 0; i < nb; i += BATCH) {
            int k = Math.min(BATCH, nb - i);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcByteOffset + (long) i * bb, buf, 0, k * bb);
            for (int j = 0; j < k; j++) c.decode(buf, j * bb, dst, dstOffset + (i + j) * bs);
        }
    }

    /** Encodes {@code n} floats (a multiple of the block size) into blocks at byte {@code dstByteOffset}. */
    public static void quantize(DType type, float[] src, int srcOffset, MemorySegment dst, long dstByteOffset, int n) {
        BlockCodec c = codec(type);
        int nb = blocks(type, n), bs = type.blockSize(), bb = type.blockBytes();
        byte[] buf = new byte[Math.min(nb, BATCH) * bb];
        for (int i = 0; i < nb; i += BATCH) {
            int k = Math.min(BATCH, nb - i);
            Arrays.fill(buf, (byte) 0);
            for (int j = 0; j < k; j++) c.encode(src, srcOffset + (i + j) * bs, buf, j * bb);
            MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, dstByteOffset + (long) i * bb, k * bb);
        }
    }

    /** Heap convenience: quantizes {@code x} (length a multiple of the block size) to a new byte array. */
    public static byte[] quantize(DType type, float[] x) {
        byte[] out = new byte[(int) type.byteSize(x.length)];
        quantize(type, x, 0, MemorySegment.ofArray(out), 0, x.length);
        return out;
    }

    /** Heap convenience: dequantizes {@code n} elements from {@code blocks}. */
    public static float[] dequantize(DType type, byte[] blocks, int n) {
        float[] out = new float[n];
        dequantize(type, MemorySegment.ofArray(blocks), 0, out, 0, n);
        return out;
    }
}

package dev.jllm.tensor.quant;

import dev.jllm.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Entry point to the ggml block formats: dequantize and quantize runs of whole blocks.
 * Each format lives in its own class in this package.
 */
public final class Quants {
    private Quants() {}

    /** Decodes {@code n} elements (a multiple of the block size) starting at byte {@code srcByteOffset}. */
    public static void dequantize(DType type, MemorySegment src, long srcByteOffset, float[] dst, int dstOffset, int n) {
        throw new UnsupportedOperationException("dequantize " + type + ": filled in by the quant formats");
    }

    /** Encodes {@code n} floats (a multiple of the block size) into blocks at byte {@code dstByteOffset}. */
    public static void quantize(DType type, float[] src, int srcOffset, MemorySegment dst, long dstByteOffset, int n) {
        throw new UnsupportedOperationException("quantize " + type + ": filled in by the quant formats");
    }
}

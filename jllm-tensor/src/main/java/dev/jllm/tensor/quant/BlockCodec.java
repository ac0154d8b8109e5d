package dev.jllm.tensor.quant;

/**
 * Encodes and decodes one ggml block at a time, on a heap copy of the block's bytes
 * ({@link dev.jllm.tensor.DType#blockBytes()} long). {@link Quants} moves blocks between
 * segments and these arrays.
 */
interface BlockCodec {
    /** Decodes the block at {@code src[so..]} into {@code blockSize} floats at {@code dst[d..]}. */
    void decode(byte[] src, int so, float[] dst, int d);

    /** Encodes {@code blockSize} floats from {@code x[xo..]} into the block at {@code dst[o..]} (pre-zeroed). */
    void encode(float[] x, int xo, byte[] dst, int o);

    static float f16(byte[] b, int o) {
        return Float.float16ToFloat((short) ((b[o] & 0xff) | (b[o + 1] << 8)));
    }

    static void putF16(byte[] b, int o, float v) {
        short h = Float.floatToFloat16(v);
        b[o] = (byte) h;
        b[o + 1] = (byte) (h >> 8);
    }

    /** Smallest of {@code x[xo..xo+n)}, comparing as ggml does (a NaN never replaces the running value). */
    static float min(float[] x, int xo, int n) {
        float m = Float.MAX_VALUE;
        for (int j = 0; j < n; j++) if (x[xo + j] < m) m = x[xo + j];
        return m;
    }

    static float max(float[] x, int xo, int n) {
        float m = -Float.MAX_VALUE;
        for (int j = 0; j < n; j++) if (x[xo + j] > m) m = x[xo + j];
        return m;
    }

    static int u8(byte[] b, int o) {
        return b[o] & 0xff;
    }
}

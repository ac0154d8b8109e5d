package dev.jllm.tensor.quant;

/** Q5_1: 32 weights = f16 d, f16 m, 32-bit qh, 16 bytes of low nibbles; x = d * q + m, d = (max - min) / 31. */
final class Q5_1 implements BlockCodec {
    @Override
    public void decode(byte[] b, int o, float[] y, int d) {
        float scale = BlockCodec.f16(b, o), min = BlockCodec.f16(b, o + 2);
        int qh = le32(b, o + 4);
        for (int j = 0; j < 16; j++) {
            int q = b[o + 8 + j] & 0xff;
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[d + j] = scale * ((q & 0xf) | h0) + min;
            y[d + j + 16] = scale * ((q >> 4) | h1) + min;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        float min = BlockCodec.min(x, xo, 32), max = BlockCodec.max(x, xo, 32);
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BlockCodec.putF16(b, o, d);
        BlockCodec.putF16(b, o + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = (int) ((x[xo + j] - min) * id + 0.5f) & 0xff;  // (uint8_t) conversion, as ggml
            int q1 = (int) ((x[xo + j + 16] - min) * id + 0.5f) & 0xff;
            b[o + 8 + j] = (byte) ((q0 & 0xf) | ((q1 & 0xf) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putLe32(b, o + 4, qh);
    }

    static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v; b[o + 1] = (byte) (v >> 8); b[o + 2] = (byte) (v >> 16); b[o + 3] = (byte) (v >> 24);
    }
}

package dev.jllm.tensor.quant;

/** Q4_1: 32 weights = f16 d, f16 m + 16 bytes of nibbles; x = d * q + m with d = (max - min) / 15, m = min. */
final class Q4_1 implements BlockCodec {
    @Override
    public void decode(byte[] b, int o, float[] y, int d) {
        float scale = BlockCodec.f16(b, o), min = BlockCodec.f16(b, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = b[o + 4 + j] & 0xff;
            y[d + j] = scale * (q & 0xf) + min;
            y[d + j + 16] = scale * (q >> 4) + min;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        float min = BlockCodec.min(x, xo, 32), max = BlockCodec.max(x, xo, 32);
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BlockCodec.putF16(b, o, d);
        BlockCodec.putF16(b, o + 2, min);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) ((x[xo + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (int) ((x[xo + j + 16] - min) * id + 0.5f));
            b[o + 4 + j] = (byte) (q0 | (q1 << 4));
        }
    }
}

package dev.jllm.tensor.quant;

/**
 * Q4_0: 32 weights = f16 d + 16 bytes of nibbles; x[j] = d * (lo(q[j]) - 8), x[j+16] = d * (hi(q[j]) - 8).
 * ggml picks d = max / -8 where max is the value of largest magnitude (sign kept).
 */
final class Q4_0 implements BlockCodec {
    @Override
    public void decode(byte[] b, int o, float[] y, int d) {
        float scale = BlockCodec.f16(b, o);
        for (int j = 0; j < 16; j++) {
            int q = b[o + 2 + j] & 0xff;
            y[d + j] = scale * ((q & 0xf) - 8);
            y[d + j + 16] = scale * ((q >> 4) - 8);
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BlockCodec.putF16(b, o, d);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[xo + j + 16] * id + 8.5f));
            b[o + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }
}

package dev.jllm.tensor.quant;

/**
 * Q5_0: 32 weights = f16 d + 32-bit qh (the fifth bits, little-endian) + 16 bytes of low nibbles;
 * x = d * (q - 16). Bit j of qh belongs to weight j, bit j+16 to weight j+16.
 */
final class Q5_0 implements BlockCodec {
    @Override
    public void decode(byte[] b, int o, float[] y, int d) {
        float scale = BlockCodec.f16(b, o);
        int qh = Q5_1.le32(b, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = b[o + 6 + j] & 0xff;
            int h0 = ((qh >>> j) << 4) & 0x10;
            int h1 = (qh >>> (j + 12)) & 0x10;
            y[d + j] = scale * (((q & 0xf) | h0) - 16);
            y[d + j + 16] = scale * (((q >> 4) | h1) - 16);
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
        }
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        BlockCodec.putF16(b, o, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (int) (x[xo + j] * id + 16.5f));
            int q1 = Math.min(31, (int) (x[xo + j + 16] * id + 16.5f));
            b[o + 6 + j] = (byte) ((q0 & 0xf) | ((q1 & 0xf) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        Q5_1.putLe32(b, o + 2, qh);
    }
}

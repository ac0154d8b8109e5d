package dev.jllm.tensor.quant;

/**
 * Q5_K: as Q4_K plus a fifth bit per weight. Bytes: f16 d, f16 dmin, scales[12], qh[32], qs[128].
 * Group pair i (64 weights) takes its high bits from qh bits 2i (first 32) and 2i+1 (next 32).
 */
final class Q5K implements BlockCodec {
    private static final int QH = 16, QS = 48;

    @Override
    public void decode(byte[] b, int o, float[] y, int yo) {
        float d = BlockCodec.f16(b, o + Q4K.D), dmin = BlockCodec.f16(b, o + Q4K.DMIN);
        int[] sm = new int[2];
        int ql = o + QS, u1 = 1, u2 = 2;
        for (int j = 0; j < 8; j += 2) {
            KQuantSearch.scaleMinK4(j, b, o + Q4K.SCALES, sm);
            float d1 = d * sm[0], m1 = dmin * sm[1];
            KQuantSearch.scaleMinK4(j + 1, b, o + Q4K.SCALES, sm);
            float d2 = d * sm[0], m2 = dmin * sm[1];
            for (int l = 0; l < 32; l++) {
                int h = b[o + QH + l];
                y[yo + l] = d1 * ((b[ql + l] & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                y[yo + 32 + l] = d2 * (((b[ql + l] & 0xff) >> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
            }
            yo += 64;
            ql += 32;
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        byte[] L = new byte[256];
        Q4K.encodeScales(x, xo, b, o, 31, -0.5f, 0.1f, 15, L);
        int m1 = 1, m2 = 2, ql = o + QS;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j], l2 = L[n + j + 32];
                if (l1 > 15) { l1 -= 16; b[o + QH + j] |= (byte) m1; }
                if (l2 > 15) { l2 -= 16; b[o + QH + j] |= (byte) m2; }
                b[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }
}

package dev.jllm.tensor.quant;

/**
 * Q6_K: 256 weights in 16 groups of 16. Bytes: ql[128] (low nibbles), qh[64] (high 2 bits),
 * scales[16] (int8), f16 d. x = d * scale[group] * (q - 32).
 */
final class Q6K implements BlockCodec {
    private static final int QL = 0, QH = 128, SCALES = 192, D = 208;

    @Override
    public void decode(byte[] b, int o, float[] y, int yo) {
        float d = BlockCodec.f16(b, o + D);
        int ql = o + QL, qh = o + QH, sc = o + SCALES;
        for (int n = 0; n < 256; n += 128) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = b[qh + l] & 0xff;
                int a = b[ql + l] & 0xff, c = b[ql + l + 32] & 0xff;
                int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                y[yo + l] = d * b[sc + is] * q1;
                y[yo + l + 32] = d * b[sc + is + 2] * q2;
                y[yo + l + 64] = d * b[sc + is + 4] * q3;
                y[yo + l + 96] = d * b[sc + is + 6] * q4;
            }
            yo += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = KQuantSearch.makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib, 1);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) { maxAbsScale = Math.abs(scale); maxScale = scale; }
        }
        if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) return; // all zeros, d = 0
        float iscale = -128.f / maxScale;
        BlockCodec.putF16(b, o + D, 1 / iscale);
        for (int ib = 0; ib < 16; ib++) b[o + SCALES + ib] = (byte) Math.min(127, KQuantSearch.nearestInt(iscale * scales[ib]));
        float dAll = BlockCodec.f16(b, o + D);
        for (int j = 0; j < 16; j++) {
            float d = dAll * b[o + SCALES + j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = KQuantSearch.nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
            }
        }
        int ql = o + QL, qh = o + QH;
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                b[ql + l] = (byte) (q1 | (q3 << 4));
                b[ql + l + 32] = (byte) (q2 | (q4 << 4));
                b[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }
}

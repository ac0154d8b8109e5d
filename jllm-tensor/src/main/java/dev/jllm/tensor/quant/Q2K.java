package dev.jllm.tensor.quant;

/**
 * Q2_K: 256 weights in 16 groups of 16. Bytes: scales[16] (low nibble scale, high nibble min),
 * qs[64] (2-bit levels), f16 d, f16 dmin. x = d * sc * q - dmin * m.
 */
final class Q2K implements BlockCodec {
    private static final int SCALES = 0, QS = 16, D = 80, DMIN = 82;

    @Override
    public void decode(byte[] b, int o, float[] y, int yo) {
        float d = BlockCodec.f16(b, o + D), dmin = BlockCodec.f16(b, o + DMIN);
        int is = 0, q = o + QS;
        for (int n = 0; n < 256; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++) {
                    int sc = b[o + SCALES + is++] & 0xff;
                    float dl = d * (sc & 0xF), ml = dmin * (sc >> 4);
                    for (int l = 0; l < 16; l++) {
                        y[yo++] = dl * (((b[q + l + 16 * half] & 0xff) >> shift) & 3) - ml;
                    }
                }
                shift += 2;
            }
            q += 32;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        byte[] L = new byte[256], laux = new byte[16];
        float[] weights = new float[16], mins = new float[16], scales = new float[16], theMin = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 16; j++) {
            for (int l = 0; l < 16; l++) weights[l] = Math.abs(x[xo + 16 * j + l]);
            scales[j] = KQuantSearch.makeQkx2Quants(16, 3, x, xo + 16 * j, weights, L, 16 * j, theMin, laux, -0.5f, 0.1f, 15, true);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        final float q4scale = 15.f;
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < 16; j++) b[o + SCALES + j] = (byte) KQuantSearch.nearestInt(iscale * scales[j]);
            BlockCodec.putF16(b, o + D, maxScale / q4scale);
        } else {
            BlockCodec.putF16(b, o + D, 0f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < 16; j++) b[o + SCALES + j] |= (byte) (KQuantSearch.nearestInt(iscale * mins[j]) << 4);
            BlockCodec.putF16(b, o + DMIN, maxMin / q4scale);
        } else {
            BlockCodec.putF16(b, o + DMIN, 0f);
        }
        float dAll = BlockCodec.f16(b, o + D), dminAll = BlockCodec.f16(b, o + DMIN);
        for (int j = 0; j < 16; j++) {
            int sc = b[o + SCALES + j] & 0xff;
            float d = dAll * (sc & 0xF);
            if (d == 0) continue;
            float dm = dminAll * (sc >> 4);
            for (int ii = 0; ii < 16; ii++) {
                int l = KQuantSearch.nearestInt((x[xo + 16 * j + ii] + dm) / d);
                L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
            }
        }
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                b[o + QS + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }
}

package dev.jllm.tensor.quant;

/**
 * Q4_K: 256 weights in 8 groups of 32. Bytes: f16 d, f16 dmin, scales[12] (eight 6-bit scales
 * and mins, packed), qs[128] (nibbles: group 2i low, group 2i+1 high). x = d * sc * q - dmin * m.
 */
final class Q4K implements BlockCodec {
    static final int D = 0, DMIN = 2, SCALES = 4, QS = 16;

    @Override
    public void decode(byte[] b, int o, float[] y, int yo) {
        float d = BlockCodec.f16(b, o + D), dmin = BlockCodec.f16(b, o + DMIN);
        int[] sm = new int[2];
        int q = o + QS;
        for (int j = 0; j < 8; j += 2) {
            KQuantSearch.scaleMinK4(j, b, o + SCALES, sm);
            float d1 = d * sm[0], m1 = dmin * sm[1];
            KQuantSearch.scaleMinK4(j + 1, b, o + SCALES, sm);
            float d2 = d * sm[0], m2 = dmin * sm[1];
            for (int l = 0; l < 32; l++) y[yo + l] = d1 * (b[q + l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[yo + 32 + l] = d2 * ((b[q + l] & 0xff) >> 4) - m2;
            yo += 64;
            q += 32;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        byte[] L = new byte[256];
        encodeScales(x, xo, b, o, 15, -1.f, 0.1f, 20, L);
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) b[o + QS + j / 2 + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
        }
    }

    /**
     * Shared by Q4_K and Q5_K: searches per-group scale/min, packs the 6-bit scales and the
     * f16 super-scales at {@code o}, and leaves the final levels (0..nmax) in {@code L}.
     */
    static void encodeScales(float[] x, int xo, byte[] b, int o, int nmax, float rmin, float rdelta, int nstep, byte[] L) {
        byte[] laux = new byte[32];
        float[] weights = new float[32], mins = new float[8], scales = new float[8], theMin = new float[1];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = KQuantSearch.makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, L, 32 * j, theMin, laux,
                    rmin, rdelta, nstep, false);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int s = o + SCALES;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, KQuantSearch.nearestInt(invScale * scales[j]) & 0xff); // uint8_t, as ggml
            int lm = Math.min(63, KQuantSearch.nearestInt(invMin * mins[j]) & 0xff);
            if (j < 4) {
                b[s + j] = (byte) ls;
                b[s + j + 4] = (byte) lm;
            } else {
                b[s + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                b[s + j - 4] |= (byte) ((ls >> 4) << 6);
                b[s + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        BlockCodec.putF16(b, o + D, maxScale / 63.f);
        BlockCodec.putF16(b, o + DMIN, maxMin / 63.f);
        float dAll = BlockCodec.f16(b, o + D), dminAll = BlockCodec.f16(b, o + DMIN);
        int[] sm = new int[2];
        for (int j = 0; j < 8; j++) {
            KQuantSearch.scaleMinK4(j, b, s, sm);
            float d = dAll * sm[0];
            if (d == 0) continue;
            float dm = dminAll * sm[1];
            for (int ii = 0; ii < 32; ii++) {
                int l = KQuantSearch.nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }
}

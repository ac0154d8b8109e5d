package dev.jllm.tensor.quant;

/**
 * Q3_K: 256 weights in 16 groups of 16. Bytes: hmask[32] (third bits), qs[64] (low 2 bits),
 * scales[12] (16 six-bit signed scales, packed), f16 d. x = d * (sc - 32) * (q - 4 if the high bit is clear).
 */
final class Q3K implements BlockCodec {
    private static final int HMASK = 0, QS = 32, SCALES = 96, D = 108;

    /** The 16 six-bit scales, minus 32. */
    static void unpackScales(byte[] b, int s, int[] out) {
        for (int j = 0; j < 16; j++) {
            int low = j < 8 ? (b[s + j] & 0xF) : ((b[s + j - 8] & 0xff) >> 4);
            int high = ((b[s + 8 + j % 4] & 0xff) >> (2 * (j / 4))) & 3;
            out[j] = (low | (high << 4)) - 32;
        }
    }

    @Override
    public void decode(byte[] b, int o, float[] y, int yo) {
        float d = BlockCodec.f16(b, o + D);
        int[] sc = new int[16];
        unpackScales(b, o + SCALES, sc);
        int is = 0, q = o + QS, m = 1;
        for (int n = 0; n < 256; n += 128) {
            int shift = 0;
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++) {
                    float dl = d * sc[is++];
                    for (int l = 0; l < 16; l++) {
                        int k = l + 16 * half;
                        int lv = ((b[q + k] & 0xff) >> shift) & 3;
                        y[yo++] = dl * (lv - ((b[o + HMASK + k] & m) != 0 ? 0 : 4));
                    }
                }
                shift += 2;
                m <<= 1;
            }
            q += 32;
        }
    }

    @Override
    public void encode(float[] x, int xo, byte[] b, int o) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        float maxScale = 0, amax = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = KQuantSearch.makeQ3Quants(16, 4, x, xo + 16 * j, L, 16 * j);
            float a = Math.abs(scales[j]);
            if (a > amax) { amax = a; maxScale = scales[j]; }
        }
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; j++) {
                int l = (byte) KQuantSearch.nearestInt(iscale * scales[j]); // int8_t, as ggml
                l = Math.max(-32, Math.min(31, l)) + 32;
                if (j < 8) b[o + SCALES + j] = (byte) (l & 0xF);
                else b[o + SCALES + j - 8] |= (byte) ((l & 0xF) << 4);
                l >>= 4;
                b[o + SCALES + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
            }
            BlockCodec.putF16(b, o + D, 1 / iscale);
        } else {
            BlockCodec.putF16(b, o + D, 0f);
        }
        int[] sc = new int[16];
        unpackScales(b, o + SCALES, sc);
        float dAll = BlockCodec.f16(b, o + D);
        for (int j = 0; j < 16; j++) {
            float d = dAll * sc[j];
            if (d == 0) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = KQuantSearch.nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
            }
        }
        int m = 0, hm = 1;
        for (int j = 0; j < 256; j++) {
            if (L[j] > 3) {
                b[o + HMASK + m] |= (byte) hm;
                L[j] -= 4;
            }
            if (++m == 32) { m = 0; hm <<= 1; }
        }
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; l++) {
                b[o + QS + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }
}

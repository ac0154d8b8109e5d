package dev.jllm.tensor.quant;

/**
 * The 4-bit non-linear grid of IQ4_NL and IQ4_XS and the search that fits blocks of 32 to it
 * (ggml's quantize_row_iq4_nl_impl without an importance matrix): 16 int8 levels denser near
 * zero, so a 4-bit index reaches the shape of a bell-shaped weight distribution better than
 * Q4_0's even steps. Element j of a 32-block is index {@code lo(q[j])}, element j + 16
 * {@code hi(q[j])}.
 */
final class NonLinear4 {
    private NonLinear4() {}

    /** ggml's kvalues_iq4nl. */
    static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    /** The index of the level nearest {@code x} (ties to the upper one), as ggml's best_index_int8. */
    static int bestIndex(float x) {
        if (x <= VALUES[0]) return 0;
        if (x >= VALUES[15]) return 15;
        int ml = 0, mu = 15;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (x < VALUES[mav]) mu = mav; else ml = mav;
        }
        return x - VALUES[mu - 1] < VALUES[mu] - x ? mu - 1 : mu;
    }

    /**
     * Fits the 32 values at {@code x[xo..]} with weights {@code x^2}: the scale from the value of
     * largest magnitude, refined by least squares, then (ntry > 0) 2 * ntry + 1 neighbouring
     * trial scales. Leaves the indices of the first pass in {@code L[lo..lo+32)} (untouched when
     * the block is all zero) and returns the scale (0 for an all-zero block).
     */
    static float fitBlock(float[] x, int xo, byte[] L, int lo, int ntry) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float ax = Math.abs(x[xo + j]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + j];
            }
        }
        if (amax < KQuantSearch.GROUP_MAX_EPS) return 0;
        float d = ntry > 0 ? -max / VALUES[0] : max / VALUES[0];
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < 32; j++) {
            float xj = x[xo + j];
            int l = bestIndex(id * xj);
            L[lo + j] = (byte) l;
            float q = VALUES[l], w = xj * xj;
            sumqx += w * q * xj;
            sumq2 += w * q * q;
        }
        d = sumq2 > 0 ? sumqx / sumq2 : 0f;
        float best = d * sumqx;
        for (int itry = -ntry; itry <= ntry; itry++) {
            id = (itry + VALUES[0]) / max;
            sumqx = 0;
            sumq2 = 0;
            for (int j = 0; j < 32; j++) {
                float xj = x[xo + j];
                float q = VALUES[bestIndex(id * xj)], w = xj * xj;
                sumqx += w * q * xj;
                sumq2 += w * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        return d;
    }

    /** Packs 32 indices {@code L[lo..]} into 16 bytes at {@code b[o..]}. */
    static void pack(byte[] L, int lo, byte[] b, int o) {
        for (int j = 0; j < 16; j++) b[o + j] = (byte) (L[lo + j] | (L[lo + 16 + j] << 4));
    }

    /** Decodes 16 packed bytes at {@code b[o..]} with scale {@code d} into 32 floats at {@code y[yo..]}. */
    static void unpack(byte[] b, int o, float d, float[] y, int yo) {
        for (int j = 0; j < 16; j++) {
            int q = b[o + j] & 0xff;
            y[yo + j] = d * VALUES[q & 0xf];
            y[yo + j + 16] = d * VALUES[q >> 4];
        }
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A second, literal float dequantizer for the tests, transcribed statement by statement from
 * the published ggml reference (dequantize_row_* in ggml-quants.c, struct layouts in
 * ggml-common.h) with byte-at-a-time reads. It shares nothing with the kernels' integer
 * decoders; the tests also check it agrees with {@code Quants.dequantize} once that exists.
 */
final class MatVecGgmlReference {
    private MatVecGgmlReference() {}

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** ggml-common.h's kvalues_iq4nl. */
    private static final int[] KVALUES_IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static int u8(MemorySegment s, long o) { return s.get(ValueLayout.JAVA_BYTE, o) & 0xff; }
    private static int i8(MemorySegment s, long o) { return s.get(ValueLayout.JAVA_BYTE, o); }
    private static float half(MemorySegment s, long o) { return Float.float16ToFloat(s.get(I16, o)); }

    /** Dequantizes {@code n} elements of blocks starting at byte {@code off} into {@code y[yo..)}. */
    static void dequantize(DType t, MemorySegment s, long off, float[] y, int yo, int n) {
        int nb = n / t.blockSize();
        for (int i = 0; i < nb; i++, off += t.blockBytes()) {
            int base = yo + i * t.blockSize();
            switch (t) {
                case Q8_0 -> {
                    float d = half(s, off);
                    for (int j = 0; j < 32; j++) y[base + j] = d * i8(s, off + 2 + j);
                }
                case IQ4_NL -> {
                    float d = half(s, off);
                    for (int j = 0; j < 16; j++) {
                        y[base + j] = d * KVALUES_IQ4NL[u8(s, off + 2 + j) & 0xf];
                        y[base + j + 16] = d * KVALUES_IQ4NL[u8(s, off + 2 + j) >> 4];
                    }
                }
                case IQ4_XS -> {
                    float d = half(s, off);
                    int scalesH = u8(s, off + 2) | (u8(s, off + 3) << 8);
                    long qs = off + 8;
                    int k = base;
                    for (int ib = 0; ib < 8; ib++) {
                        int ls = ((u8(s, off + 4 + ib / 2) >> 4 * (ib % 2)) & 0xf) | (((scalesH >> 2 * ib) & 3) << 4);
                        float dl = d * (ls - 32);
                        for (int j = 0; j < 16; j++) {
                            y[k + j] = dl * KVALUES_IQ4NL[u8(s, qs + j) & 0xf];
                            y[k + j + 16] = dl * KVALUES_IQ4NL[u8(s, qs + j) >> 4];
                        }
                        k += 32;
                        qs += 16;
                    }
                }
                case Q4_0 -> {
                    float d = half(s, off);
                    for (int j = 0; j < 16; j++) {
                        int b = u8(s, off + 2 + j);
                        y[base + j] = ((b & 0x0F) - 8) * d;
                        y[base + j + 16] = ((b >> 4) - 8) * d;
                    }
                }
                case Q4_1 -> {
                    float d = half(s, off), m = half(s, off + 2);
                    for (int j = 0; j < 16; j++) {
                        int b = u8(s, off + 4 + j);
                        y[base + j] = (b & 0x0F) * d + m;
                        y[base + j + 16] = (b >> 4) * d + m;
                    }
                }
                case Q5_0, Q5_1 -> {
                    boolean one = t == DType.Q5_1;
                    float d = half(s, off), m = one ? half(s, off + 2) : 0;
                    long qhOff = off + (one ? 4 : 2);
                    long qh = (long) u8(s, qhOff) | (long) u8(s, qhOff + 1) << 8 | (long) u8(s, qhOff + 2) << 16 | (long) u8(s, qhOff + 3) << 24;
                    for (int j = 0; j < 16; j++) {
                        int xh0 = (int) (((qh >> j) << 4) & 0x10);
                        int xh1 = (int) ((qh >> (j + 12)) & 0x10);
                        int b = u8(s, qhOff + 4 + j);
                        int x0 = (b & 0x0F) | xh0, x1 = (b >> 4) | xh1;
                        if (one) {
                            y[base + j] = x0 * d + m;
                            y[base + j + 16] = x1 * d + m;
                        } else {
                            y[base + j] = (x0 - 16) * d;
                            y[base + j + 16] = (x1 - 16) * d;
                        }
                    }
                }
                case Q2_K -> {
                    float d = half(s, off + 80), min = half(s, off + 82);
                    long q = off + 16;
                    int is = 0, k = base;
                    for (int n0 = 0; n0 < 256; n0 += 128) {
                        int shift = 0;
                        for (int j = 0; j < 4; j++) {
                            int sc = u8(s, off + is++);
                            float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                            for (int l = 0; l < 16; l++) y[k++] = dl * ((u8(s, q + l) >> shift) & 3) - ml;
                            sc = u8(s, off + is++);
                            dl = d * (sc & 0xF); ml = min * (sc >> 4);
                            for (int l = 0; l < 16; l++) y[k++] = dl * ((u8(s, q + l + 16) >> shift) & 3) - ml;
                            shift += 2;
                        }
                        q += 32;
                    }
                }
                case Q3_K -> {
                    float dAll = half(s, off + 108);
                    long[] aux = new long[4];
                    for (int w = 0; w < 3; w++) {
                        for (int b = 0; b < 4; b++) aux[w] |= (long) u8(s, off + 96 + 4 * w + b) << (8 * b);
                    }
                    long km1 = 0x03030303L, km2 = 0x0f0f0f0fL, tmp = aux[2];
                    aux[2] = ((aux[0] >> 4) & km2) | (((tmp >> 4) & km1) << 4);
                    aux[3] = ((aux[1] >> 4) & km2) | (((tmp >> 6) & km1) << 4);
                    aux[0] = (aux[0] & km2) | (((tmp >> 0) & km1) << 4);
                    aux[1] = (aux[1] & km2) | (((tmp >> 2) & km1) << 4);
                    int[] scales = new int[16];
                    for (int i2 = 0; i2 < 16; i2++) scales[i2] = (byte) (aux[i2 / 4] >> (8 * (i2 % 4)));
                    long q = off + 32, hm = off;
                    int m = 1, is = 0, k = base;
                    for (int n0 = 0; n0 < 256; n0 += 128) {
                        int shift = 0;
                        for (int j = 0; j < 4; j++) {
                            float dl = dAll * (scales[is++] - 32);
                            for (int l = 0; l < 16; l++) y[k++] = dl * (((u8(s, q + l) >> shift) & 3) - ((u8(s, hm + l) & m) != 0 ? 0 : 4));
                            dl = dAll * (scales[is++] - 32);
                            for (int l = 0; l < 16; l++) y[k++] = dl * (((u8(s, q + l + 16) >> shift) & 3) - ((u8(s, hm + l + 16) & m) != 0 ? 0 : 4));
                            shift += 2;
                            m <<= 1;
                        }
                        q += 32;
                    }
                }
                case Q4_K, Q5_K -> {
                    boolean five = t == DType.Q5_K;
                    float d = half(s, off), min = half(s, off + 2);
                    long sc = off + 4, qh = off + 16, ql = off + (five ? 48 : 16);
                    int is = 0, k = base, u1 = 1, u2 = 2;
                    for (int j = 0; j < 256; j += 64) {
                        int[] sm1 = scaleMin(s, sc, is), sm2 = scaleMin(s, sc, is + 1);
                        float d1 = d * sm1[0], m1 = min * sm1[1], d2 = d * sm2[0], m2 = min * sm2[1];
                        for (int l = 0; l < 32; l++) y[k++] = d1 * ((u8(s, ql + l) & 0xF) + (five && (u8(s, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                        for (int l = 0; l < 32; l++) y[k++] = d2 * ((u8(s, ql + l) >> 4) + (five && (u8(s, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                        ql += 32;
                        is += 2;
                        u1 <<= 2;
                        u2 <<= 2;
                    }
                }
                case Q6_K -> {
                    float d = half(s, off + 208);
                    long ql = off, qh = off + 128, sc = off + 192;
                    int k = base;
                    for (int n0 = 0; n0 < 256; n0 += 128) {
                        for (int l = 0; l < 32; l++) {
                            int is = l / 16;
                            int q1 = ((u8(s, ql + l) & 0xF) | (((u8(s, qh + l) >> 0) & 3) << 4)) - 32;
                            int q2 = ((u8(s, ql + l + 32) & 0xF) | (((u8(s, qh + l) >> 2) & 3) << 4)) - 32;
                            int q3 = ((u8(s, ql + l) >> 4) | (((u8(s, qh + l) >> 4) & 3) << 4)) - 32;
                            int q4 = ((u8(s, ql + l + 32) >> 4) | (((u8(s, qh + l) >> 6) & 3) << 4)) - 32;
                            y[k + l] = d * i8(s, sc + is) * q1;
                            y[k + l + 32] = d * i8(s, sc + is + 2) * q2;
                            y[k + l + 64] = d * i8(s, sc + is + 4) * q3;
                            y[k + l + 96] = d * i8(s, sc + is + 6) * q4;
                        }
                        k += 128;
                        ql += 64;
                        qh += 32;
                        sc += 8;
                    }
                }
                default -> throw new IllegalArgumentException(t.toString());
            }
        }
    }

    /** get_scale_min_k4: 6-bit scale and min j of the 12 packed bytes at {@code q}. */
    private static int[] scaleMin(MemorySegment s, long q, int j) {
        if (j < 4) return new int[] {u8(s, q + j) & 63, u8(s, q + j + 4) & 63};
        return new int[] {(u8(s, q + j + 4) & 0xF) | ((u8(s, q + j - 4) >> 6) << 4),
                (u8(s, q + j + 4) >> 4) | ((u8(s, q + j) >> 6) << 4)};
    }
}

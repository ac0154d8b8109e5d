package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decodes rows of ggml blocks into small integers plus per-group scales, the form the
 * integer dot products consume: element {@code i} of the row is
 * {@code scale[i / group] * q[i] - min[i / group]}.
 *
 * <p>{@code group} is 32 for the 32-element formats and for Q4_K/Q5_K (whose sub-blocks
 * have 32 elements), and 16 for Q2_K, Q3_K and Q6_K. {@code q} always fits a signed byte
 * (the widest range is Q8_0's [-128, 127]), which keeps every product with an activation
 * value in [-127, 127] inside a {@code short}.
 *
 * <p>The layouts follow ggml's ggml-common.h: all multi-byte fields little-endian, fp16
 * scales, 4-bit values packed low nibble first, K-quant 6-bit scales packed into 12 bytes.
 * The vector decoders work on 16-byte vectors, whose lanes map one-to-one to stored bytes.
 */
final class MatVecDecoder {
    private MatVecDecoder() {}

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    private static final boolean VECTOR = Simd.BITS >= 128;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Lanes 8..15: picks the second byte of a 16-bit high-bit mask. */
    private static final VectorMask<Byte> UPPER8 = VectorMask.fromLong(B, 0xff00L);
    /** Lane j tests bit j % 8. */
    private static final ByteVector BIT_OF_LANE = ByteVector.fromArray(B,
            new byte[] {1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128}, 0);

    /** Elements sharing one scale (and min) after decoding. */
    static int group(DType t) {
        return switch (t) {
            case Q2_K, Q3_K, Q6_K -> 16;
            default -> 32;
        };
    }

    /** Whether the format subtracts a per-group minimum (the {@code min} array is used). */
    static boolean hasMin(DType t) {
        return switch (t) {
            case Q4_1, Q5_1, Q2_K, Q4_K, Q5_K -> true;
            default -> false;
        };
    }

    static float f16(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(I16, off));
    }

    /**
     * Decodes {@code blocks} blocks of type {@code t} starting at byte {@code off} into
     * {@code q[0..)}, {@code scale[0..)} and (for formats with minimums) {@code min[0..)}.
     */
    static void decode(DType t, MemorySegment w, long off, int blocks, byte[] q, float[] scale, float[] min) {
        int bb = t.blockBytes();
        for (int b = 0; b < blocks; b++, off += bb) {
            switch (t) {
                case Q8_0 -> q8_0(w, off, b, q, scale);
                case Q4_0 -> q4(w, off, b, q, scale, min, false);
                case Q4_1 -> q4(w, off, b, q, scale, min, true);
                case Q5_0 -> q5(w, off, b, q, scale, min, false);
                case Q5_1 -> q5(w, off, b, q, scale, min, true);
                case Q2_K -> q2k(w, off, b, q, scale, min);
                case Q3_K -> q3k(w, off, b, q, scale);
                case Q4_K -> q45k(w, off, b, q, scale, min, false);
                case Q5_K -> q45k(w, off, b, q, scale, min, true);
                case Q6_K -> q6k(w, off, b, q, scale);
                case IQ4_NL -> iq4nl(w, off, b, q, scale);
                case IQ4_XS -> iq4xs(w, off, b, q, scale);
                default -> throw new IllegalArgumentException("not a block-quantized weight type: " + t);
            }
        }
    }

    // ---- 32-element formats ----------------------------------------------------------

    /** The 16 levels IQ4_NL and IQ4_XS indices point at. */
    private static final byte[] IQ4_LEVELS = dev.jllm.tensor.quant.Quants.iq4Levels();
    private static final ByteVector IQ4_TABLE = ByteVector.fromArray(B, IQ4_LEVELS, 0);

    /** IQ4_NL: f16 d, then 16 bytes of indices into the non-linear levels (element j low nibble, j + 16 high). */
    private static void iq4nl(MemorySegment w, long off, int b, byte[] q, float[] scale) {
        scale[b] = f16(w, off);
        iq4Levels(w, off + 2, q, b * 32);
    }

    /** IQ4_XS: f16 d, u16 scales_h, 4 bytes scales_l, then per 32-group 16 bytes of indices; group scale d * (ls - 32). */
    private static void iq4xs(MemorySegment w, long off, int b, byte[] q, float[] scale) {
        float d = f16(w, off);
        int scalesH = w.get(I16, off + 2) & 0xffff, scalesL = w.get(I32, off + 4);
        for (int ib = 0; ib < 8; ib++) scale[b * 8 + ib] = d * iq4xsScale(scalesL, scalesH, ib);
        for (int ib = 0; ib < 8; ib++) iq4Levels(w, off + 8 + 16 * ib, q, b * 256 + ib * 32); // after the scales: 15 % faster
    }

    /** IQ4_XS sub-block {@code ib}'s 6-bit scale minus 32, from scales_l (4 bytes as an int) and scales_h. */
    static int iq4xsScale(int scalesL, int scalesH, int ib) {
        return (((scalesL >>> (4 * ib)) & 0xf) | (((scalesH >> (2 * ib)) & 3) << 4)) - 32;
    }

    /** 16 bytes of 4-bit indices at {@code qs} into 32 levels at {@code q[o..]}: one table lookup per lane. */
    private static void iq4Levels(MemorySegment w, long qs, byte[] q, int o) {
        if (VECTOR) {
            ByteVector v = load(w, qs);
            v.and((byte) 0x0f).selectFrom(IQ4_TABLE).intoArray(q, o);
            shr(v, 4).and((byte) 0x0f).selectFrom(IQ4_TABLE).intoArray(q, o + 16);
        } else {
            for (int j = 0; j < 16; j++) {
                int v = w.get(I8, qs + j) & 0xff;
                q[o + j] = IQ4_LEVELS[v & 0xf];
                q[o + j + 16] = IQ4_LEVELS[v >>> 4];
            }
        }
    }

    private static void q8_0(MemorySegment w, long off, int b, byte[] q, float[] scale) {
        scale[b] = f16(w, off);
        int o = b * 32;
        if (VECTOR) {
            load(w, off + 2).intoArray(q, o);
            load(w, off + 18).intoArray(q, o + 16);
        } else {
            for (int i = 0; i < 32; i++) q[o + i] = w.get(I8, off + 2 + i);
        }
    }

    /** Q4_0 (value - 8) and Q4_1 (value, plus the minimum m): element j in the low nibble of byte j, j+16 in its high nibble. */
    private static void q4(MemorySegment w, long off, int b, byte[] q, float[] scale, float[] min, boolean withMin) {
        scale[b] = f16(w, off);
        long qs = off + 2;
        int bias = 8;
        if (withMin) {
            min[b] = -f16(w, off + 2); // ggml adds m; the dot subtracts min
            qs = off + 4;
            bias = 0;
        }
        int o = b * 32;
        if (VECTOR) {
            ByteVector v = load(w, qs);
            v.and((byte) 0x0f).sub((byte) bias).intoArray(q, o);
            shr(v, 4).and((byte) 0x0f).sub((byte) bias).intoArray(q, o + 16);
        } else {
            for (int j = 0; j < 16; j++) {
                int v = w.get(I8, qs + j) & 0xff;
                q[o + j] = (byte) ((v & 0x0f) - bias);
                q[o + j + 16] = (byte) ((v >>> 4) - bias);
            }
        }
    }

    /** Q5_0 (value - 16) and Q5_1 (value, plus m): bit j of the 32-bit qh is the fifth bit of element j. */
    private static void q5(MemorySegment w, long off, int b, byte[] q, float[] scale, float[] min, boolean withMin) {
        scale[b] = f16(w, off);
        long qhOff = off + 2;
        int bias = 16;
        if (withMin) {
            min[b] = -f16(w, off + 2);
            qhOff = off + 4;
            bias = 0;
        }
        int qh = w.get(I32, qhOff);
        long qs = qhOff + 4;
        int o = b * 32;
        if (VECTOR) {
            ByteVector v = load(w, qs);
            v.and((byte) 0x0f).or(highBits16(qh)).sub((byte) bias).intoArray(q, o);
            shr(v, 4).and((byte) 0x0f).or(highBits16(qh >>> 16)).sub((byte) bias).intoArray(q, o + 16);
        } else {
            for (int j = 0; j < 16; j++) {
                int v = w.get(I8, qs + j) & 0xff;
                int h0 = ((qh >>> j) & 1) << 4;
                int h1 = ((qh >>> (j + 16)) & 1) << 4;
                q[o + j] = (byte) (((v & 0x0f) | h0) - bias);
                q[o + j + 16] = (byte) (((v >>> 4) | h1) - bias);
            }
        }
    }

    /** Lane j = 16 if bit j of {@code bits} is set, else 0 (j < 16). */
    private static ByteVector highBits16(int bits) {
        ByteVector bytes = ByteVector.broadcast(B, (byte) bits).blend((byte) (bits >>> 8), UPPER8);
        return ByteVector.zero(B).blend((byte) 16, bytes.and(BIT_OF_LANE).compare(VectorOperators.NE, (byte) 0));
    }

    // ---- K-quants (256-element super-blocks) -----------------------------------------

    /** Q2_K: 16 groups of 16 with 4-bit scale and min; 2-bit values, four per byte. */
    private static void q2k(MemorySegment w, long off, int b, byte[] q, float[] scale, float[] min) {
        float d = f16(w, off + 80);
        float dmin = f16(w, off + 82);
        for (int g = 0; g < 16; g++) {
            int sc = w.get(I8, off + g) & 0xff;
            scale[16 * b + g] = d * (sc & 0x0f);
            min[16 * b + g] = dmin * (sc >>> 4);
        }
        long qs = off + 16;
        int o = b * 256;
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                int shift = 2 * j;
                int e = o + 128 * n + 32 * j;
                if (VECTOR) {
                    shr(load(w, qs + 32 * n), shift).and((byte) 3).intoArray(q, e);
                    shr(load(w, qs + 32 * n + 16), shift).and((byte) 3).intoArray(q, e + 16);
                } else {
                    for (int l = 0; l < 32; l++) q[e + l] = (byte) (((w.get(I8, qs + 32 * n + l) & 0xff) >>> shift) & 3);
                }
            }
        }
    }

    /** Q3_K: 16 groups of 16 with signed 6-bit scales; 2 low bits in qs, the third (inverted) in hmask. */
    private static void q3k(MemorySegment w, long off, int b, byte[] q, float[] scale) {
        float d = f16(w, off + 108);
        long hm = off, qs = off + 32, sc = off + 96;
        for (int i = 0; i < 16; i++) {
            int low = w.get(I8, sc + (i & 7)) & 0xff;
            low = i < 8 ? low & 0x0f : low >>> 4;
            int high = ((w.get(I8, sc + 8 + (i & 3)) & 0xff) >>> (2 * (i >>> 2))) & 3;
            scale[16 * b + i] = d * ((low | (high << 4)) - 32);
        }
        int o = b * 256;
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 4; j++) {
                int shift = 2 * j;
                int bit = 4 * n + j;
                int e = o + 128 * n + 32 * j;
                if (VECTOR) {
                    for (int k = 0; k < 32; k += 16) {
                        ByteVector v = shr(load(w, qs + 32 * n + k), shift).and((byte) 3);
                        VectorMask<Byte> noHigh = load(w, hm + k).and((byte) (1 << bit)).compare(VectorOperators.EQ, (byte) 0);
                        v.lanewise(VectorOperators.SUB, (byte) 4, noHigh).intoArray(q, e + k);
                    }
                } else {
                    for (int l = 0; l < 32; l++) {
                        int v = ((w.get(I8, qs + 32 * n + l) & 0xff) >>> shift) & 3;
                        if ((w.get(I8, hm + l) & (1 << bit)) == 0) v -= 4;
                        q[e + l] = (byte) v;
                    }
                }
            }
        }
    }

    /** Q4_K and Q5_K: 8 groups of 32 with 6-bit scales and mins; Q5_K adds a fifth bit from qh. */
    private static void q45k(MemorySegment w, long off, int b, byte[] q, float[] scale, float[] min, boolean five) {
        float d = f16(w, off);
        float dmin = f16(w, off + 2);
        long sc = off + 4;
        for (int j = 0; j < 8; j++) {
            int s, m;
            if (j < 4) {
                s = w.get(I8, sc + j) & 63;
                m = w.get(I8, sc + j + 4) & 63;
            } else {
                int hi = w.get(I8, sc + j + 4) & 0xff;
                s = (hi & 0x0f) | (((w.get(I8, sc + j - 4) & 0xff) >>> 6) << 4);
                m = (hi >>> 4) | (((w.get(I8, sc + j) & 0xff) >>> 6) << 4);
            }
            scale[8 * b + j] = d * s;
            min[8 * b + j] = dmin * m;
        }
        long qh = off + 16;
        long qs = five ? off + 48 : off + 16;
        int o = b * 256;
        for (int j = 0; j < 4; j++) {
            int e = o + 64 * j;
            long src = qs + 32 * j;
            if (VECTOR) {
                for (int k = 0; k < 32; k += 16) {
                    ByteVector v = load(w, src + k);
                    ByteVector lo = v.and((byte) 0x0f);
                    ByteVector hi = shr(v, 4).and((byte) 0x0f);
                    if (five) {
                        ByteVector h = load(w, qh + k);
                        lo = lo.or(bitTo16(h, 2 * j));
                        hi = hi.or(bitTo16(h, 2 * j + 1));
                    }
                    lo.intoArray(q, e + k);
                    hi.intoArray(q, e + 32 + k);
                }
            } else {
                for (int l = 0; l < 32; l++) {
                    int v = w.get(I8, src + l) & 0xff;
                    int lo = v & 0x0f, hi = v >>> 4;
                    if (five) {
                        int h = w.get(I8, qh + l) & 0xff;
                        lo |= ((h >>> (2 * j)) & 1) << 4;
                        hi |= ((h >>> (2 * j + 1)) & 1) << 4;
                    }
                    q[e + l] = (byte) lo;
                    q[e + 32 + l] = (byte) hi;
                }
            }
        }
    }

    /** Q6_K: 16 groups of 16 with int8 scales; 4 low bits in ql, 2 high bits in qh, minus 32. */
    private static void q6k(MemorySegment w, long off, int b, byte[] q, float[] scale) {
        float d = f16(w, off + 208);
        for (int g = 0; g < 16; g++) scale[16 * b + g] = d * w.get(I8, off + 192 + g);
        int o = b * 256;
        for (int n = 0; n < 2; n++) {
            long ql = off + 64 * n, qh = off + 128 + 32 * n;
            int e = o + 128 * n;
            if (VECTOR) {
                for (int k = 0; k < 32; k += 16) {
                    ByteVector a = load(w, ql + k), c = load(w, ql + 32 + k), h = load(w, qh + k);
                    a.and((byte) 0x0f).or(shl(h, 4).and((byte) 0x30)).sub((byte) 32).intoArray(q, e + k);
                    c.and((byte) 0x0f).or(shl(h, 2).and((byte) 0x30)).sub((byte) 32).intoArray(q, e + 32 + k);
                    shr(a, 4).and((byte) 0x0f).or(h.and((byte) 0x30)).sub((byte) 32).intoArray(q, e + 64 + k);
                    shr(c, 4).and((byte) 0x0f).or(shr(h, 2).and((byte) 0x30)).sub((byte) 32).intoArray(q, e + 96 + k);
                }
            } else {
                for (int l = 0; l < 32; l++) {
                    int a = w.get(I8, ql + l) & 0xff, c = w.get(I8, ql + 32 + l) & 0xff, h = w.get(I8, qh + l) & 0xff;
                    q[e + l] = (byte) (((a & 0x0f) | ((h & 3) << 4)) - 32);
                    q[e + 32 + l] = (byte) (((c & 0x0f) | (((h >>> 2) & 3) << 4)) - 32);
                    q[e + 64 + l] = (byte) (((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
                    q[e + 96 + l] = (byte) (((c >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
                }
            }
        }
    }

    // ---- byte-vector helpers -----------------------------------------------------------

    private static ByteVector load(MemorySegment w, long off) {
        return ByteVector.fromMemorySegment(B, w, off, LE);
    }

    /**
     * Right shift of every byte by {@code k}, done on 16-bit lanes (x86 has no byte shifts):
     * bits from the neighbouring byte land in the top {@code k} bits, which callers mask off.
     */
    private static ByteVector shr(ByteVector v, int k) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, k).reinterpretAsBytes();
    }

    /** Left shift of every byte by {@code k}; the low {@code k} bits are garbage, masked off by callers. */
    private static ByteVector shl(ByteVector v, int k) {
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHL, k).reinterpretAsBytes();
    }

    /** 16 where bit {@code bit} of the byte is set, else 0. */
    private static ByteVector bitTo16(ByteVector h, int bit) {
        ByteVector moved = bit >= 4 ? shr(h, bit - 4) : shl(h, 4 - bit);
        return moved.and((byte) 0x10);
    }
}

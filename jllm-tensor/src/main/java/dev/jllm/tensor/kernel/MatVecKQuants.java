package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Fused integer dot kernels for the K-quants that dominate real GGUF files (Q4_K_M and
 * Q5_K_M mix Q4_K/Q5_K with Q6_K), decoding each 256-element super-block in registers:
 * the stored bytes are zero-extended to 16-bit lanes, nibbles and high bits are split with
 * ands and shifts, multiplied by the int8 activations and summed pairwise into 32-bit lanes,
 * then scaled once per sub-block. Layouts as in {@link MatVecDecoder}.
 */
final class MatVecKQuants {
    private MatVecKQuants() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final VectorSpecies<Short> S = MatVecIntDot.S;
    private static final VectorSpecies<Byte> BH = MatVecIntDot.BH;
    private static final VectorSpecies<Float> F = MatVecIntDot.F;
    private static final int L = S.length();
    /** With 32 shorts per vector, int lanes 8..15 belong to the second 16-element group. */
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(F,
            ((1L << F.length()) - 1) & ~((1L << (F.length() / 2)) - 1));

    static boolean supports(DType t) {
        return MatVecIntDot.VECTOR && (t == DType.Q4_K || t == DType.Q5_K || t == DType.Q6_K);
    }

    /** Dot of weight row {@code r} with token {@code t} of {@code x}. */
    static float dot(MatVecWeight w, int r, MatVecInput x, int t) {
        long off = w.rowOffset(r);
        int nb = w.cols / 256;
        int xo = t * w.cols, dOff = t * (w.cols / 32);
        return switch (w.type) {
            case Q4_K -> q45k(w.seg, off, nb, x.q, xo, x.d, x.sum32, dOff, false);
            case Q5_K -> q45k(w.seg, off, nb, x.q, xo, x.d, x.sum32, dOff, true);
            case Q6_K -> q6k(w.seg, off, nb, x.q, xo, x.d, dOff);
            default -> throw new IllegalArgumentException(w.type.toString());
        };
    }

    private static ShortVector widen(MemorySegment w, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(BH, w, off, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    private static IntVector pairSum(ShortVector products) {
        IntVector p = products.reinterpretAsInts();
        return p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(p.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * Q4_K / Q5_K: per 64 elements, 32 bytes of nibbles (low nibbles: sub-block 2j, high:
     * 2j+1), 6-bit scale and min per sub-block; Q5_K takes a fifth bit from qh (bit 2j for
     * the low, 2j+1 for the high nibbles). The mins multiply d * sum(x) of the sub-block.
     *
     * <p>The vector work is split into small methods that keep the running sum in a float[]
     * instead of passing vectors: one big method makes C2 stop inlining at its node limit,
     * which leaves vector operations boxed (10x slower).
     */
    private static float q45k(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, float[] sum32,
                              int dOff, boolean five) {
        float[] acc = new float[F.length()];
        float[] scale = new float[8];
        float minSum = 0;
        int bb = five ? 176 : 144;
        for (int b = 0; b < nb; b++, off += bb) {
            int sb = dOff + 8 * b;
            minSum += q45kScales(w, off, dx, sum32, sb, scale);
            long qs = off + (five ? 48 : 16), qh = off + 16;
            for (int j = 0; j < 4; j++) {
                q45kPair(w, qs + 32 * j, five ? qh : -1, 2 * j, xq, xo + 256 * b + 64 * j, scale[2 * j], scale[2 * j + 1], acc);
            }
        }
        return FloatVector.fromArray(F, acc, 0).reduceLanes(VectorOperators.ADD) - minSum;
    }

    /**
     * Fills scale[j] = d * sc_j * dx_j for the 8 sub-blocks; returns sum_j dmin * m_j * d * sum(x).
     * The 6-bit scales and mins are unpacked four at a time in 32-bit words (as ggml's SIMD
     * code does): bytes 0..3 hold scales 0..3 and mins 0..3 (with 4..7 in bytes 4..7), their top
     * two bits extend scales/mins 4..7 whose low four bits are the nibbles of bytes 8..11.
     */
    private static float q45kScales(MemorySegment w, long off, float[] dx, float[] sum32, int sb, float[] scale) {
        float d = MatVecDecoder.f16(w, off), dmin = MatVecDecoder.f16(w, off + 2);
        long lo8 = w.get(I64, off + 4);
        int u0 = (int) lo8, u1 = (int) (lo8 >>> 32), u2 = w.get(MatVecDecoder.I32, off + 12);
        int sc03 = u0 & 0x3f3f3f3f;
        int sc47 = (u2 & 0x0f0f0f0f) | (((u0 >>> 6) & 0x03030303) << 4);
        int m03 = u1 & 0x3f3f3f3f;
        int m47 = ((u2 >>> 4) & 0x0f0f0f0f) | (((u1 >>> 6) & 0x03030303) << 4);
        long scales = (sc03 & 0xffffffffL) | ((long) sc47 << 32);
        long mins = (m03 & 0xffffffffL) | ((long) m47 << 32);
        float minSum = 0;
        for (int j = 0; j < 8; j++) {
            scale[j] = d * (int) ((scales >>> (8 * j)) & 0xff) * dx[sb + j];
            minSum += (int) ((mins >>> (8 * j)) & 0xff) * sum32[sb + j];
        }
        return dmin * minSum;
    }

    /** 64 elements: low nibbles of 32 bytes at qs times x[e..e+32), high nibbles times x[e+32..e+64). */
    private static void q45kPair(MemorySegment w, long qs, long qh, int bit, short[] xq, int e, float sLo, float sHi, float[] acc) {
        FloatVector a = FloatVector.fromArray(F, acc, 0);
        FloatVector fLo = FloatVector.broadcast(F, sLo), fHi = FloatVector.broadcast(F, sHi);
        for (int k = 0; k < 32; k += L) {
            ShortVector v = widen(w, qs + k);
            ShortVector lo = v.and((short) 0x0f), hi = v.lanewise(VectorOperators.LSHR, 4);
            if (qh >= 0) {
                ShortVector h = widen(w, qh + k);
                lo = lo.or(h.lanewise(VectorOperators.LSHR, bit).and((short) 1).lanewise(VectorOperators.LSHL, 4));
                hi = hi.or(h.lanewise(VectorOperators.LSHR, bit + 1).and((short) 1).lanewise(VectorOperators.LSHL, 4));
            }
            a = ((FloatVector) pairSum(lo.mul(ShortVector.fromArray(S, xq, e + k))).convert(VectorOperators.I2F, 0)).fma(fLo, a);
            a = ((FloatVector) pairSum(hi.mul(ShortVector.fromArray(S, xq, e + 32 + k))).convert(VectorOperators.I2F, 0)).fma(fHi, a);
        }
        a.intoArray(acc, 0);
    }

    /**
     * Q6_K: per 128 elements, 64 bytes ql and 32 bytes qh; four runs of 32 elements take
     * the low/high nibbles of ql[0..32) / ql[32..64) and bit pairs 0-1, 2-3, 4-5, 6-7 of qh,
     * minus 32; int8 scales per 16 elements (run i of half n uses scales 8n+2i and 8n+2i+1).
     */
    private static float q6k(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, int dOff) {
        float[] acc = new float[F.length()];
        for (int b = 0; b < nb; b++, off += 210) {
            float d = MatVecDecoder.f16(w, off + 208);
            for (int n = 0; n < 2; n++) {
                long sc = w.get(I64, off + 192 + 8 * n);
                long ql = off + 64 * n, qh = off + 128 + 32 * n;
                int db = dOff + 8 * b + 4 * n;     // activation block of each 32-run
                int e = xo + 256 * b + 128 * n;
                for (int i = 0; i < 4; i++) {
                    float f = d * dx[db + i];
                    q6kRun(w, ql + 32 * (i & 1), 4 * (i >> 1), qh, 2 * i, xq, e + 32 * i,
                            f * (byte) (sc >>> (16 * i)), f * (byte) (sc >>> (16 * i + 8)), acc);
                }
            }
        }
        return FloatVector.fromArray(F, acc, 0).reduceLanes(VectorOperators.ADD);
    }

    /** 32 elements: nibble at bit {@code nib} of ql, 2 high bits at bit {@code hbit} of qh, minus 32; scales s0, s1 per 16. */
    private static void q6kRun(MemorySegment w, long ql, int nib, long qh, int hbit, short[] xq, int e, float s0, float s1, float[] acc) {
        FloatVector a = FloatVector.fromArray(F, acc, 0);
        for (int k = 0; k < 32; k += L) {
            ShortVector q = widen(w, ql + k).lanewise(VectorOperators.LSHR, nib).and((short) 0x0f)
                    .or(widen(w, qh + k).lanewise(VectorOperators.LSHR, hbit).and((short) 3).lanewise(VectorOperators.LSHL, 4))
                    .sub((short) 32);
            FloatVector scale = L == 32 ? FloatVector.broadcast(F, s0).blend(s1, UPPER_HALF)
                    : FloatVector.broadcast(F, k < 16 ? s0 : s1);
            a = ((FloatVector) pairSum(q.mul(ShortVector.fromArray(S, xq, e + k))).convert(VectorOperators.I2F, 0)).fma(scale, a);
        }
        a.intoArray(acc, 0);
    }
}

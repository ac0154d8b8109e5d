package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Fused integer dot kernels for the two most used 32-element formats, decoding each block
 * in registers straight from the weight storage (no buffer): Q8_0 (fp16 d, 32 int8) and
 * Q4_0 (fp16 d, 16 bytes of nibbles; element j is the low nibble of byte j, element j+16
 * its high nibble, both minus 8).
 */
final class MatVecFused {
    private MatVecFused() {}

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    private static final boolean VECTOR = MatVecIntDot.VECTOR;

    /** Q8_0: full-width short vectors. */
    private static final VectorSpecies<Short> S = MatVecIntDot.S;
    private static final VectorSpecies<Byte> BH = MatVecIntDot.BH;
    private static final VectorSpecies<Float> F = MatVecIntDot.F;
    private static final int L = S.length();

    /** Q4_0 works per 16-element half block: at most 16 shorts per vector. */
    private static final int BITS16 = Math.min(256, MatVecIntDot.S.vectorBitSize());
    private static final VectorSpecies<Short> S16 = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS16));
    private static final VectorSpecies<Byte> B16 = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS16 / 2));
    private static final int L16 = S16.length();
    /** Float vectors one short vector of products widens into. */
    private static final int Q4_PARTS = L16 / F.length();

    static boolean supports(DType t) {
        return t == DType.Q8_0 || t == DType.Q4_0;
    }

    /** Dot of weight row {@code r} with token {@code t} of {@code x}. */
    static float dot(MatVecWeight w, int r, MatVecInput x, int t) {
        long off = w.rowOffset(r);
        int nb = w.cols / 32;
        int xo = t * w.cols, dOff = t * nb;
        if (w.type == DType.Q8_0) {
            return VECTOR ? q8Vector(w.seg, off, nb, x.q, xo, x.d, dOff) : q8Scalar(w.seg, off, nb, x.q, xo, x.d, dOff);
        }
        return VECTOR ? q4Vector(w.seg, off, nb, x.q, xo, x.d, x.sum32, dOff) : q4Scalar(w.seg, off, nb, x.q, xo, x.d, dOff);
    }

    /**
     * Dots of rows {@code r} and {@code r + 1} with token {@code t} into {@code y[yi]} and
     * {@code y[yi + 1]}: every activation vector loaded serves two weight rows.
     */
    static void dot2(MatVecWeight w, int r, MatVecInput x, int t, float[] y, int yi) {
        if (!VECTOR) {
            y[yi] = dot(w, r, x, t);
            y[yi + 1] = dot(w, r + 1, x, t);
            return;
        }
        long off0 = w.rowOffset(r), off1 = w.rowOffset(r + 1);
        int nb = w.cols / 32;
        int xo = t * w.cols, dOff = t * nb;
        if (w.type == DType.Q8_0) q8Vector2(w.seg, off0, off1, nb, x.q, xo, x.d, dOff, y, yi);
        else q4Vector2(w.seg, off0, off1, nb, x.q, xo, x.d, x.sum32, dOff, y, yi);
    }

    private static void q8Vector2(MemorySegment w, long off0, long off1, int nb, short[] xq, int xo, float[] dx, int dOff,
                                  float[] y, int yi) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int b = 0; b < nb; b++, off0 += 34, off1 += 34) {
            int xb = xo + 32 * b;
            IntVector s0 = null, s1 = null;
            for (int k = 0; k < 32; k += L) {
                ShortVector xv = ShortVector.fromArray(S, xq, xb + k);
                ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(BH, w, off0 + 2 + k, LE).convertShape(VectorOperators.B2S, S, 0);
                ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(BH, w, off1 + 2 + k, LE).convertShape(VectorOperators.B2S, S, 0);
                IntVector p0 = pairSum(q0.mul(xv).reinterpretAsInts()), p1 = pairSum(q1.mul(xv).reinterpretAsInts());
                if (k == 0) { s0 = p0; s1 = p1; } else { s0 = s0.add(p0); s1 = s1.add(p1); }
            }
            float d = dx[dOff + b];
            acc0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, MatVecDecoder.f16(w, off0) * d), acc0);
            acc1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, MatVecDecoder.f16(w, off1) * d), acc1);
        }
        y[yi] = acc0.reduceLanes(VectorOperators.ADD);
        y[yi + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    private static void q4Vector2(MemorySegment w, long off0, long off1, int nb, short[] xq, int xo, float[] dx, float[] sum32,
                                  int dOff, float[] y, int yi) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        float corr0 = 0, corr1 = 0;
        for (int b = 0; b < nb; b++, off0 += 18, off1 += 18) {
            int xb = xo + 32 * b;
            float dw0 = MatVecDecoder.f16(w, off0), dw1 = MatVecDecoder.f16(w, off1), d = dx[dOff + b];
            FloatVector d0 = FloatVector.broadcast(F, dw0 * d), d1 = FloatVector.broadcast(F, dw1 * d);
            for (int k = 0; k < 16; k += L16) {
                ShortVector xlo = ShortVector.fromArray(S16, xq, xb + k), xhi = ShortVector.fromArray(S16, xq, xb + 16 + k);
                ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(B16, w, off0 + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(B16, w, off1 + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector p0 = v0.and((short) 0x0f).mul(xlo).add(v0.lanewise(VectorOperators.LSHR, 4).mul(xhi));
                ShortVector p1 = v1.and((short) 0x0f).mul(xlo).add(v1.lanewise(VectorOperators.LSHR, 4).mul(xhi));
                for (int part = 0; part < Q4_PARTS; part++) {
                    acc0 = ((FloatVector) p0.convertShape(VectorOperators.S2F, F, part)).fma(d0, acc0);
                    acc1 = ((FloatVector) p1.convertShape(VectorOperators.S2F, F, part)).fma(d1, acc1);
                }
            }
            float sx = sum32[dOff + b];
            corr0 += dw0 * sx;
            corr1 += dw1 * sx;
        }
        y[yi] = acc0.reduceLanes(VectorOperators.ADD) - 8 * corr0;
        y[yi + 1] = acc1.reduceLanes(VectorOperators.ADD) - 8 * corr1;
    }

    private static float q8Scalar(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, int dOff) {
        float acc = 0;
        for (int b = 0; b < nb; b++, off += 34) {
            int s = 0;
            for (int i = 0; i < 32; i++) s += w.get(I8, off + 2 + i) * xq[xo + 32 * b + i];
            acc += MatVecDecoder.f16(w, off) * dx[dOff + b] * s;
        }
        return acc;
    }

    private static float q4Scalar(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, int dOff) {
        float acc = 0;
        for (int b = 0; b < nb; b++, off += 18) {
            int s = 0;
            int xb = xo + 32 * b;
            for (int j = 0; j < 16; j++) {
                int v = w.get(I8, off + 2 + j) & 0xff;
                s += ((v & 0x0f) - 8) * xq[xb + j] + ((v >>> 4) - 8) * xq[xb + j + 16];
            }
            acc += MatVecDecoder.f16(w, off) * dx[dOff + b] * s;
        }
        return acc;
    }

    private static float q8Vector(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, int dOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++, off += 34) {
            int xb = xo + 32 * b;
            IntVector s = pairDot(w, off + 2, xq, xb);
            for (int k = L; k < 32; k += L) s = s.add(pairDot(w, off + 2 + k, xq, xb + k));
            float d = MatVecDecoder.f16(w, off) * dx[dOff + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static IntVector pairDot(MemorySegment w, long off, short[] x, int xi) {
        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BH, w, off, LE).convertShape(VectorOperators.B2S, S, 0);
        return pairSum(q.mul(ShortVector.fromArray(S, x, xi)).reinterpretAsInts());
    }

    /** Adds the two 16-bit halves of every 32-bit lane as signed values. */
    private static IntVector pairSum(IntVector p) {
        return p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(p.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * Q4_0 with the -8 taken out of the vector loop: sum((q - 8) x) = sum(q x) - 8 sum(x),
     * and d * sum(x) over the block is already in {@link MatVecInput#sum32}. With q in [0, 15]
     * the low- and high-nibble products of a lane add up to at most 2 * 15 * 127, so they
     * are summed as shorts and widened to float once (no pairwise int step).
     */
    private static float q4Vector(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, float[] sum32, int dOff) {
        FloatVector acc = FloatVector.zero(F);
        float corr = 0;
        for (int b = 0; b < nb; b++, off += 18) {
            int xb = xo + 32 * b;
            float dw = MatVecDecoder.f16(w, off);
            FloatVector d = FloatVector.broadcast(F, dw * dx[dOff + b]);
            for (int k = 0; k < 16; k += L16) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B16, w, off + 2 + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector p = v.and((short) 0x0f).mul(ShortVector.fromArray(S16, xq, xb + k))
                        .add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S16, xq, xb + 16 + k)));
                for (int part = 0; part < Q4_PARTS; part++) {
                    acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F, part)).fma(d, acc);
                }
            }
            corr += dw * sum32[dOff + b];
        }
        return acc.reduceLanes(VectorOperators.ADD) - 8 * corr;
    }
}

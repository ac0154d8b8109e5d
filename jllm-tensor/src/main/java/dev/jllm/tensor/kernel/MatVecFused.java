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
 * Fused integer dot kernels for the 32-element formats, decoding each block in registers
 * straight from the weight storage (no buffer): Q8_0 (fp16 d, 32 int8), Q4_0/Q4_1 (fp16 d
 * [and m], 16 bytes of nibbles: element j is the low nibble of byte j, element j+16 its high
 * nibble; Q4_0 subtracts 8) and Q5_0/Q5_1 (the same plus a 32-bit qh holding the fifth bit
 * of each element; Q5_0 subtracts 16) and IQ4_NL (Q4_0's nibbles as indices into a table of 16
 * levels, on 16-short vectors). The scalar path (vector width 0) fuses Q8_0/Q4_0 only.
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
    /** Lane j holds j: per-lane shift counts that move bit j of a broadcast word to bit 0. */
    private static final ShortVector LANE16 = ShortVector.fromArray(S16,
            new short[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);
    /** Float vectors one short vector of products widens into. */
    private static final int Q4_PARTS = L16 / F.length();

    /** 16 shorts per vector: one vector holds a 16-element half block ({@link #q4Pairs}). */
    private static final boolean HALVES = VECTOR && L16 == 16;

    /** The IQ4 levels in a 16-lane byte vector (the IQ4 table lookup; 16-short vectors only). */
    private static final ByteVector IQ4_LEVELS = HALVES ? ByteVector.fromArray(B16, dev.jllm.tensor.quant.Quants.iq4Levels(), 0) : null;

    static boolean supports(DType t) {
        return t == DType.Q8_0 || t == DType.Q4_0
                || (VECTOR && (t == DType.Q4_1 || t == DType.Q5_0 || t == DType.Q5_1))
                || (HALVES && (t == DType.IQ4_NL || t == DType.IQ4_XS));
    }

    /** Dot of weight row {@code r} with token {@code t} of {@code x}. */
    static float dot(MatVecWeight w, int r, MatVecInput x, int t) {
        long off = w.rowOffset(r);
        int nb = w.cols / 32;
        int xo = t * w.cols, dOff = t * nb;
        if (w.type == DType.Q8_0) {
            return VECTOR ? q8Vector(w.seg, off, nb, x.q, xo, x.d, dOff) : q8Scalar(w.seg, off, nb, x.q, xo, x.d, dOff);
        }
        if (!VECTOR) return q4Scalar(w.seg, off, nb, x.q, xo, x.d, dOff);
        if (w.type == DType.IQ4_NL) return iq4nlPairs(w.seg, off, nb, x.q, xo, x.d, dOff);
        if (w.type == DType.IQ4_XS) return iq4xs(w.seg, off, nb / 8, x.q, xo, x.d, dOff);
        // Q4_0 keeps its own copy of the loop: the general one measured ~10% slower on it
        if (w.type == DType.Q4_0 && HALVES) return q4Pairs(w.seg, off, nb, x.q, xo, x.d, x.sum32, dOff);
        return w.type == DType.Q4_0 ? q4Vector(w.seg, off, nb, x.q, xo, x.d, x.sum32, dOff)
                : nibblesVector(w.type, w.seg, off, nb, x.q, xo, x.d, x.sum32, dOff);
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
     * The 4- and 5-bit formats (Q4_0, Q4_1, Q5_0, Q5_1) with the value offset taken out of the
     * vector loop: sum((q - bias) x) = sum(q x) - bias * sum(x), and the minimum m of Q4_1/Q5_1
     * adds m * sum(x); d * sum(x) of the block is already in {@link MatVecInput#sum32}. With q
     * in [0, 31] the low- and high-half products of a lane add up to at most 2 * 31 * 127, so
     * they are summed as shorts and widened to float once (no pairwise int step). The fifth
     * bit of element j is bit j of the 32-bit qh: lane j shifts a broadcast of it right by j.
     */
    private static float nibblesVector(DType t, MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx,
                                       float[] sum32, int dOff) {
        boolean withMin = t == DType.Q4_1 || t == DType.Q5_1;
        boolean five = t == DType.Q5_0 || t == DType.Q5_1;
        int bias = t == DType.Q4_0 ? 8 : t == DType.Q5_0 ? 16 : 0;
        int qhOff = withMin ? 4 : 2;
        int qsOff = (withMin ? 4 : 2) + (five ? 4 : 0);
        int bb = t.blockBytes();
        FloatVector acc = FloatVector.zero(F);
        float corr = 0;
        for (int b = 0; b < nb; b++, off += bb) {
            int xb = xo + 32 * b;
            float dw = MatVecDecoder.f16(w, off);
            int qh = five ? w.get(MatVecDecoder.I32, off + qhOff) : 0;
            FloatVector d = FloatVector.broadcast(F, dw * dx[dOff + b]);
            for (int k = 0; k < 16; k += L16) {
                ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B16, w, off + qsOff + k, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                ShortVector lo = v.and((short) 0x0f), hi = v.lanewise(VectorOperators.LSHR, 4);
                if (five) {
                    lo = lo.or(ShortVector.broadcast(S16, (short) (qh >>> k)).lanewise(VectorOperators.LSHR, LANE16)
                            .and((short) 1).lanewise(VectorOperators.LSHL, 4));
                    hi = hi.or(ShortVector.broadcast(S16, (short) (qh >>> (16 + k))).lanewise(VectorOperators.LSHR, LANE16)
                            .and((short) 1).lanewise(VectorOperators.LSHL, 4));
                }
                ShortVector p = lo.mul(ShortVector.fromArray(S16, xq, xb + k)).add(hi.mul(ShortVector.fromArray(S16, xq, xb + 16 + k)));
                for (int part = 0; part < Q4_PARTS; part++) {
                    acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F, part)).fma(d, acc);
                }
            }
            float sx = sum32[dOff + b];
            corr += bias * dw * sx;
            if (withMin) corr -= MatVecDecoder.f16(w, off + 2) * sx;
        }
        return acc.reduceLanes(VectorOperators.ADD) - corr;
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

    /**
     * {@link #q4Vector} for vectors of 16 shorts (256- and 512-bit): two blocks per pass with
     * separate accumulators, so consecutive FMAs do not wait on each other (4 cycles each).
     */
    private static float q4Pairs(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, float[] sum32, int dOff) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        float corr0 = 0, corr1 = 0;
        int b = 0;
        // offsets derived from the int counter (no second induction variable), so C2 can take
        // the bounds checks out of the loop
        for (; b < (nb & ~1); b += 2) {
            long o = off + 18L * b;
            int xb = xo + 32 * b;
            float dw0 = MatVecDecoder.f16(w, o), dw1 = MatVecDecoder.f16(w, o + 18);
            acc0 = q4Block(w, o, xq, xb, dw0 * dx[dOff + b], acc0);
            acc1 = q4Block(w, o + 18, xq, xb + 32, dw1 * dx[dOff + b + 1], acc1);
            corr0 += dw0 * sum32[dOff + b];
            corr1 += dw1 * sum32[dOff + b + 1];
        }
        if (b < nb) {
            long o = off + 18L * b;
            float dw = MatVecDecoder.f16(w, o);
            acc0 = q4Block(w, o, xq, xo + 32 * b, dw * dx[dOff + b], acc0);
            corr0 += dw * sum32[dOff + b];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - 8 * (corr0 + corr1);
    }

    private static FloatVector q4Block(MemorySegment w, long off, short[] xq, int xb, float scale, FloatVector acc) {
        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(B16, w, off + 2, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
        ShortVector p = v.and((short) 0x0f).mul(ShortVector.fromArray(S16, xq, xb))
                .add(v.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(S16, xq, xb + 16)));
        FloatVector d = FloatVector.broadcast(F, scale);
        for (int part = 0; part < Q4_PARTS; part++) acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F, part)).fma(d, acc);
        return acc;
    }

    /**
     * IQ4_NL as {@link #q4Pairs}, the nibbles turned into their levels by a 16-byte table lookup
     * (one shuffle per half block) instead of an offset: levels in [-127, 113] times activations
     * in [-127, 127] give two products per lane whose sum stays inside a short.
     */
    private static float iq4nlPairs(MemorySegment w, long off, int nb, short[] xq, int xo, float[] dx, int dOff) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int b = 0;
        for (; b < (nb & ~1); b += 2) {
            long o = off + 18L * b;
            int xb = xo + 32 * b;
            acc0 = iq4Block(w, o + 2, xq, xb, MatVecDecoder.f16(w, o) * dx[dOff + b], acc0);
            acc1 = iq4Block(w, o + 20, xq, xb + 32, MatVecDecoder.f16(w, o + 18) * dx[dOff + b + 1], acc1);
        }
        if (b < nb) {
            long o = off + 18L * b;
            acc0 = iq4Block(w, o + 2, xq, xo + 32 * b, MatVecDecoder.f16(w, o) * dx[dOff + b], acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * IQ4_XS: sub-block i of a 256-element super-block scales its levels by d * (ls_i - 32) and
     * keeps its indices at byte 8 + 16 i; {@link #iq4Block}s over two accumulators.
     */
    private static float iq4xs(MemorySegment w, long off, int superBlocks, short[] xq, int xo, float[] dx, int dOff) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        // One pair of groups per pass, the super-block header re-read each time: hoisting it
        // into an array was slower (3.2-3.7 ms vs 2.9 per 2048x8192), unrolling the eight
        // groups 2.7x slower (C2's inlining limit: boxed vectors).
        for (int g = 0; g < 8 * superBlocks; g += 2) {
            int ib = g & 7;
            long o = off + 136L * (g >>> 3);
            float d = MatVecDecoder.f16(w, o);
            int h = w.get(MatVecDecoder.I16, o + 2) & 0xffff, l = w.get(MatVecDecoder.I32, o + 4);
            acc0 = iq4Block(w, o + 8 + 16 * ib, xq, xo + 32 * g, d * MatVecDecoder.iq4xsScale(l, h, ib) * dx[dOff + g], acc0);
            acc1 = iq4Block(w, o + 24 + 16 * ib, xq, xo + 32 * g + 32, d * MatVecDecoder.iq4xsScale(l, h, ib + 1) * dx[dOff + g + 1], acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** One 32-element block of 4-bit level indices at byte {@code qs}: acc += scale * sum(level * x). */
    private static FloatVector iq4Block(MemorySegment w, long qs, short[] xq, int xb, float scale, FloatVector acc) {
        ByteVector v = ByteVector.fromMemorySegment(B16, w, qs, LE);
        ShortVector lo = (ShortVector) v.and((byte) 0x0f).selectFrom(IQ4_LEVELS).convertShape(VectorOperators.B2S, S16, 0);
        ShortVector hi = (ShortVector) v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes()
                .and((byte) 0x0f).selectFrom(IQ4_LEVELS).convertShape(VectorOperators.B2S, S16, 0);
        ShortVector p = lo.mul(ShortVector.fromArray(S16, xq, xb)).add(hi.mul(ShortVector.fromArray(S16, xq, xb + 16)));
        FloatVector d = FloatVector.broadcast(F, scale);
        for (int part = 0; part < Q4_PARTS; part++) acc = ((FloatVector) p.convertShape(VectorOperators.S2F, F, part)).fma(d, acc);
        return acc;
    }
}

package dev.jllm.tensor.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot product of a decoded weight row ({@link MatVecDecoder}: int8 values, per-group scale
 * and min) with one token of quantized activations ({@link MatVecInput}).
 *
 * <p>For every group: {@code scale * dx * sum(q * qx) - min * dx * sum(qx)}. The products
 * are formed in 16-bit lanes (|q * qx| <= 128 * 127 fits), then adjacent pairs are added
 * into 32-bit lanes with two shifts (the Vector API has no pmaddwd), converted to float
 * once per group and scaled with one FMA. The minimum terms are a separate short float dot.
 */
final class MatVecIntDot {
    private MatVecIntDot() {}

    static final boolean VECTOR = Simd.BITS >= 128;
    private static final int BITS = VECTOR ? Simd.BITS : 128;
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    /** Shorts per vector: 8, 16 or 32. */
    static final int L = S.length();
    /** With 32 shorts per vector a 16-group covers half the int lanes: the upper half. */
    private static final VectorMask<Float> UPPER_HALF = VectorMask.fromLong(F, ((1L << F.length()) - 1) & ~((1L << (F.length() / 2)) - 1));

    /** Products of {@code L} int8 weights and activations, summed pairwise into {@code L/2} int lanes. */
    static IntVector pairDot(byte[] q, int qi, short[] x, int xi) {
        ShortVector w = (ShortVector) ByteVector.fromArray(BH, q, qi).convertShape(VectorOperators.B2S, S, 0);
        IntVector p = w.mul(ShortVector.fromArray(S, x, xi)).reinterpretAsInts();
        return p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(p.lanewise(VectorOperators.ASHR, 16));
    }

    /** Dot of the decoded row with token {@code t} of {@code x}. */
    static float dot(byte[] q, float[] scale, float[] min, int group, boolean hasMin, MatVecInput x, int t) {
        int cols = x.cols;
        int xo = t * cols;
        int dOff = t * (cols / 32);
        float r = VECTOR ? scaledVector(q, scale, group, x.q, xo, x.d, dOff, cols)
                : scaledScalar(q, scale, group, x.q, xo, x.d, dOff, cols);
        if (hasMin) {
            if (group == 32) r -= minDot(min, x.sum32, t * (cols / 32), cols / 32);
            else r -= minDot(min, x.sum16, t * (cols / 16), cols / 16);
        }
        return r;
    }

    private static float scaledScalar(byte[] q, float[] scale, int group, short[] xq, int xo, float[] dx, int dOff, int cols) {
        float acc = 0;
        for (int g = 0, i = 0; i < cols; g++) {
            int s = 0;
            for (int e = i + group; i < e; i++) s += q[i] * xq[xo + i];
            acc += scale[g] * dx[dOff + (g * group >> 5)] * s;
        }
        return acc;
    }

    private static float scaledVector(byte[] q, float[] scale, int group, short[] xq, int xo, float[] dx, int dOff, int cols) {
        FloatVector acc = FloatVector.zero(F);
        if (group == 32 || L <= 16) {
            // each group spans one or more whole vectors
            int steps = group / L;
            for (int g = 0, i = 0; i < cols; g++) {
                IntVector s = pairDot(q, i, xq, xo + i);
                i += L;
                for (int k = 1; k < steps; k++, i += L) s = s.add(pairDot(q, i, xq, xo + i));
                float f = scale[g] * dx[dOff + (g * group >> 5)];
                acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, f), acc);
            }
        } else {
            // 32 lanes, groups of 16: int lanes 0..7 hold the first group, 8..15 the second
            for (int b = 0, i = 0; i < cols; b++, i += 32) {
                IntVector s = pairDot(q, i, xq, xo + i);
                float d = dx[dOff + b];
                FloatVector f = FloatVector.broadcast(F, scale[2 * b] * d).blend(scale[2 * b + 1] * d, UPPER_HALF);
                acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(f, acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** sum(min[g] * sums[from + g]) for g < n. */
    static float minDot(float[] min, float[] sums, int from, int n) {
        int g = 0;
        float r = 0;
        if (VECTOR) {
            FloatVector acc = FloatVector.zero(F);
            for (int end = F.loopBound(n); g < end; g += F.length()) {
                acc = FloatVector.fromArray(F, min, g).fma(FloatVector.fromArray(F, sums, from + g), acc);
            }
            r = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; g < n; g++) r += min[g] * sums[from + g];
        return r;
    }
}

package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activations quantized once per call for the integer dot products of the quantized
 * weight kernels, as ggml does with its Q8 activation blocks.
 *
 * <p>Each token's {@code cols} floats are split into blocks of 32; a block with largest
 * magnitude {@code amax} gets the scale {@code d = amax / 127} and values
 * {@code q = round(x / d)} in [-127, 127]. The values are stored widened to {@code short}
 * so the kernels load them straight into short vectors. Per 16 and per 32 elements the
 * kernels also need {@code d * sum(q)} (the weight minimums multiply it), kept here too.
 * The quantization error of an element is at most {@code d / 2}.
 */
final class MatVecInput {
    final int cols;
    final int tokens;
    /** tokens * cols quantized values. */
    final short[] q;
    /** tokens * cols/32 block scales. */
    final float[] d;
    /** tokens * cols/16: d * sum of q over each 16 elements. */
    final float[] sum16;
    /** tokens * cols/32: d * sum of q over each 32 elements. */
    final float[] sum32;

    private MatVecInput(int cols, int tokens) {
        this.cols = cols;
        this.tokens = tokens;
        this.q = new short[tokens * cols];
        this.d = new float[tokens * (cols / 32)];
        this.sum16 = new float[tokens * (cols / 16)];
        this.sum32 = new float[tokens * (cols / 32)];
    }

    /** Quantizes {@code tokens} rows of {@code cols} floats (cols a multiple of 32) starting at {@code x[xOff]}. */
    static MatVecInput quantize(float[] x, int xOff, int cols, int tokens) {
        MatVecInput in = new MatVecInput(cols, tokens);
        int blocks = tokens * (cols / 32);
        // one token takes microseconds: a parallel region (waking the team) would cost more
        if (blocks >= 2048) {
            dev.jllm.tensor.Parallel.forRange(blocks, 64, (s, e) -> in.quantizeBlocks(x, xOff, s, e));
        } else {
            in.quantizeBlocks(x, xOff, 0, blocks);
        }
        return in;
    }

    private void quantizeBlocks(float[] x, int xOff, int b0, int b1) {
        if (Simd.SCALAR || Simd.BITS < 128) {
            for (int b = b0; b < b1; b++) quantizeBlockScalar(x, xOff + b * 32, b);
        } else {
            for (int b = b0; b < b1; b++) quantizeBlockVector(x, xOff + b * 32, b);
        }
    }

    private void quantizeBlockScalar(float[] x, int from, int b) {
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[from + i]));
        float scale = amax / 127f;
        float inv = amax == 0 ? 0 : 127f / amax;
        int s0 = 0, s1 = 0;
        for (int i = 0; i < 32; i++) {
            int v = Math.round(x[from + i] * inv);
            q[b * 32 + i] = (short) v;
            if (i < 16) s0 += v; else s1 += v;
        }
        d[b] = scale;
        sum16[2 * b] = scale * s0;
        sum16[2 * b + 1] = scale * s1;
        sum32[b] = scale * (s0 + s1);
    }

    private static final VectorSpecies<Float> F = Simd.BITS >= 128 ? Simd.F : FloatVector.SPECIES_128;
    private static final VectorSpecies<Short> S_HALF = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));

    private void quantizeBlockVector(float[] x, int from, int b) {
        int lanes = F.length();
        FloatVector max = FloatVector.zero(F);
        for (int i = 0; i < 32; i += lanes) max = max.max(FloatVector.fromArray(F, x, from + i).abs());
        float amax = max.reduceLanes(VectorOperators.MAX); // MAX follows Math.max: a NaN propagates to the scale
        float scale = amax / 127f;
        float inv = amax == 0 ? 0 : 127f / amax;
        int s0 = 0, s1 = 0;
        for (int i = 0; i < 32; i += lanes) {
            FloatVector v = FloatVector.fromArray(F, x, from + i).mul(inv);
            // round half away from zero (as Math.round does for the magnitudes here): add +-0.5, truncate
            IntVector half = v.reinterpretAsInts().and(0x80000000).or(0x3f000000);
            v = v.add(half.reinterpretAsFloats());
            IntVector iv = (IntVector) v.convert(VectorOperators.F2I, 0);
            ((ShortVector) iv.convertShape(VectorOperators.I2S, S_HALF, 0)).intoArray(q, b * 32 + i);
            int s = iv.reduceLanes(VectorOperators.ADD);
            if (i < 16) s0 += s; else s1 += s;
        }
        d[b] = scale;
        sum16[2 * b] = scale * s0;
        sum16[2 * b + 1] = scale * s1;
        sum32[b] = scale * (s0 + s1);
    }
}

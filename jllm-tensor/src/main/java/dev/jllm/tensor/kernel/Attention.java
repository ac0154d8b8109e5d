package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention computed in key tiles with an online softmax
 * (FlashAttention's recurrence): the [queries x keys] score matrix is never materialized,
 * so memory stays O(tile) however long the context.
 *
 * <p>Layouts are token-major, as a KV cache is filled: {@code q} is [nQ, heads, headDim],
 * {@code k} is [nKv, kvHeads, headDim], {@code v} is [nKv, kvHeads, valueDim] and {@code out}
 * is [nQ, heads, valueDim], each densely packed from its offset. Grouped-query attention:
 * the {@code heads / kvHeads} query heads that share a KV head are processed together, so
 * each key and value row is read once per group. {@code valueDim} may differ from
 * {@code headDim} (MLA).
 *
 * <p>Query {@code i} sits at absolute position {@code qPos0 + i}; key {@code j} at position
 * {@code j}. Causal masking hides keys after the query; a sliding window of {@code w} also
 * hides keys at or before {@code pos - w} (Mistral's convention: each token sees itself and
 * the {@code w - 1} before it).
 */
public final class Attention {
    private Attention() {}

    /** Keys processed per tile; small enough that a tile of K and V stays in L1/L2. */
    static final int TILE = 64;

    /** Which keys a query may see. */
    public enum Mask {
        /** Keys at positions up to the query's own (decoders). */
        CAUSAL,
        /** Every key (encoders). */
        BIDIRECTIONAL
    }

    /**
     * Attention over {@code nKv} keys for {@code nQ} queries.
     *
     * @param window sliding-window size in tokens, or 0 for none
     */
    public static void attend(float[] q, int qOff, int nQ, int qPos0,
                              float[] k, int kOff, float[] v, int vOff, int nKv,
                              int heads, int kvHeads, int headDim, int valueDim,
                              float scale, Mask mask, int window,
                              float[] out, int outOff) {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a positive multiple of kvHeads (" + kvHeads + ")");
        }
        if (headDim <= 0 || valueDim <= 0 || nQ < 0 || nKv < 0 || window < 0) {
            throw new IllegalArgumentException("bad attention geometry: headDim=" + headDim + " valueDim=" + valueDim
                    + " nQ=" + nQ + " nKv=" + nKv + " window=" + window);
        }
        checkRange("q", q, qOff, (long) nQ * heads * headDim);
        checkRange("k", k, kOff, (long) nKv * kvHeads * headDim);
        checkRange("v", v, vOff, (long) nKv * kvHeads * valueDim);
        checkRange("out", out, outOff, (long) nQ * heads * valueDim);
        int group = heads / kvHeads;
        Parallel.forRange(nQ * kvHeads, (start, end) -> {
            float[] acc = new float[group * valueDim];
            float[] max = new float[group];
            float[] sum = new float[group];
            float[] scores = new float[group * TILE];
            for (int item = start; item < end; item++) {
                int i = item / kvHeads, g = item % kvHeads;
                int pos = qPos0 + i;
                int lo = 0, hi = nKv; // visible keys [lo, hi)
                if (mask == Mask.CAUSAL) hi = Math.min(nKv, pos + 1);
                if (window > 0) lo = Math.max(0, pos - window + 1);
                int qBase = qOff + (i * heads + g * group) * headDim;
                int oBase = outOff + (i * heads + g * group) * valueDim;
                attendGroup(q, qBase, k, kOff, v, vOff, lo, hi, g, kvHeads, headDim, valueDim, group, scale,
                        acc, max, sum, scores);
                for (int h = 0; h < group; h++) {
                    float inv = sum[h] == 0 ? 0 : 1f / sum[h]; // no visible key: output zeros
                    int o = oBase + h * valueDim;
                    for (int d = 0; d < valueDim; d++) out[o + d] = acc[h * valueDim + d] * inv;
                }
            }
        });
    }

    /** Online softmax over keys [lo, hi) for the {@code group} query heads of KV head {@code g}. */
    private static void attendGroup(float[] q, int qBase, float[] k, int kOff, float[] v, int vOff,
                                    int lo, int hi, int g, int kvHeads, int headDim, int valueDim, int group,
                                    float scale, float[] acc, float[] max, float[] sum, float[] scores) {
        java.util.Arrays.fill(acc, 0, group * valueDim, 0f);
        java.util.Arrays.fill(max, 0, group, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sum, 0, group, 0f);
        for (int t0 = lo; t0 < hi; t0 += TILE) {
            int t1 = Math.min(hi, t0 + TILE);
            int n = t1 - t0;
            for (int j = 0; j < n; j++) {
                int kRow = kOff + ((t0 + j) * kvHeads + g) * headDim;
                for (int h = 0; h < group; h++) {
                    scores[h * TILE + j] = scale * dot(q, qBase + h * headDim, k, kRow, headDim);
                }
            }
            for (int h = 0; h < group; h++) {
                float tileMax = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) tileMax = Math.max(tileMax, scores[h * TILE + j]);
                float newMax = Math.max(max[h], tileMax);
                float correction = max[h] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max[h] - newMax);
                if (correction != 1f) scaleInPlace(acc, h * valueDim, valueDim, correction);
                float s = sum[h] * correction;
                for (int j = 0; j < n; j++) {
                    float p = (float) Math.exp(scores[h * TILE + j] - newMax);
                    s += p;
                    axpy(p, v, vOff + ((t0 + j) * kvHeads + g) * valueDim, acc, h * valueDim, valueDim);
                }
                sum[h] = s;
                max[h] = newMax;
            }
        }
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (!Simd.SCALAR && n >= Simd.LANES) {
            VectorSpecies<Float> sp = Simd.F;
            FloatVector acc = FloatVector.zero(sp);
            for (int bound = sp.loopBound(n); i < bound; i += sp.length()) {
                acc = FloatVector.fromArray(sp, a, ao + i).fma(FloatVector.fromArray(sp, b, bo + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y += alpha * x */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (!Simd.SCALAR && n >= Simd.LANES) {
            VectorSpecies<Float> sp = Simd.F;
            FloatVector va = FloatVector.broadcast(sp, alpha);
            for (int bound = sp.loopBound(n); i < bound; i += sp.length()) {
                FloatVector.fromArray(sp, x, xo + i).fma(va, FloatVector.fromArray(sp, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    private static void scaleInPlace(float[] a, int off, int n, float s) {
        int i = 0;
        if (!Simd.SCALAR && n >= Simd.LANES) {
            VectorSpecies<Float> sp = Simd.F;
            for (int bound = sp.loopBound(n); i < bound; i += sp.length()) {
                FloatVector.fromArray(sp, a, off + i).mul(s).intoArray(a, off + i);
            }
        }
        for (; i < n; i++) a[off + i] *= s;
    }

    private static void checkRange(String name, float[] a, int off, long len) {
        if (off < 0 || off + len > a.length) {
            throw new IllegalArgumentException(name + ": needs " + len + " floats from offset " + off
                    + " but the array has " + a.length);
        }
    }
}

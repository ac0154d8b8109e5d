package dev.jllm.nn;

import dev.jllm.tensor.kernel.Attention;

/**
 * Causal multi-head attention with one fused q/k/v projection ([3 * dim, dim], rows q then k
 * then v, with bias) and no rotary embedding: positions enter through learned embeddings
 * (GPT-2). Keys/values go into the caller's per-layer cache arrays, token-major
 * {@code [tokens, heads, headDim]}.
 */
public final class FusedQkvAttention {
    private final Linear qkv, o;
    private final int heads, headDim;
    private final float scale;

    public FusedQkvAttention(Linear qkv, Linear o, int heads) {
        int dim = o.out();
        if (heads <= 0 || dim % heads != 0) throw new IllegalArgumentException(heads + " heads do not divide width " + dim);
        if (qkv.out() != 3 * dim || qkv.in() != dim || o.in() != dim) {
            throw new IllegalArgumentException("fused attention shapes disagree: qkv " + qkv.out() + "x" + qkv.in()
                    + ", output " + o.out() + "x" + o.in() + " (expected qkv " + 3 * dim + "x" + dim + ")");
        }
        this.qkv = qkv;
        this.o = o;
        this.heads = heads;
        this.headDim = dim / heads;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    public int heads() { return heads; }
    public int headDim() { return headDim; }
    public Linear qkv() { return qkv; }
    public Linear output() { return o; }
    /** 1/sqrt(headDim), the scores' scale. */
    public float scale() { return scale; }

    /**
     * The fused projection of {@code n} tokens split into q, k and v rows ({@code [n, dim]} each),
     * for callers that keep K/V elsewhere (the paged cache of a batching server).
     */
    public void project(float[] x, int n, float[] qs, float[] ks, float[] vs) {
        int dim = heads * headDim;
        float[] fused = new float[n * 3 * dim];
        qkv.forward(x, n, fused);
        for (int t = 0; t < n; t++) {
            System.arraycopy(fused, t * 3 * dim, qs, t * dim, dim);
            System.arraycopy(fused, t * 3 * dim + dim, ks, t * dim, dim);
            System.arraycopy(fused, t * 3 * dim + 2 * dim, vs, t * dim, dim);
        }
    }

    /** {@code y = o(att)} for {@code n} rows of attention output. */
    public void projectOutput(float[] att, int n, float[] y) { o.forward(att, n, y); }

    /** Attends {@code n} tokens at positions {@code pos0..}: caches their K/V at {@code pos0}, then {@code y = o(attention)}. */
    public void forward(float[] x, int n, int pos0, float[] keys, float[] values, float[] y) {
        int dim = heads * headDim;
        if ((long) (pos0 + n) * dim > keys.length || (long) (pos0 + n) * dim > values.length) {
            throw new IllegalArgumentException("the KV cache holds " + keys.length / dim + " tokens, needs " + (pos0 + n));
        }
        float[] fused = new float[n * 3 * dim], q = new float[n * dim], att = new float[n * dim];
        qkv.forward(x, n, fused);
        for (int t = 0; t < n; t++) {
            System.arraycopy(fused, t * 3 * dim, q, t * dim, dim);
            System.arraycopy(fused, t * 3 * dim + dim, keys, (pos0 + t) * dim, dim);
            System.arraycopy(fused, t * 3 * dim + 2 * dim, values, (pos0 + t) * dim, dim);
        }
        Attention.attend(q, 0, n, pos0, keys, 0, values, 0, pos0 + n, heads, heads, headDim, headDim, scale,
                Attention.Mask.CAUSAL, 0, att, 0);
        o.forward(att, n, y);
    }
}

package dev.jllm.nn;

import dev.jllm.tensor.kernel.Attention;

/**
 * Causal multi-head attention with grouped KV heads (GQA/MQA), optional q/k/v biases (in the
 * projections), optional per-head q/k RMSNorm (Qwen3) before RoPE, and an optional sliding
 * window (Mistral). New keys/values go into the caller's per-layer cache arrays, token-major
 * {@code [tokens, kvHeads, headDim]}, which the attention kernel reads.
 */
public final class CausalSelfAttention {
    private final Linear q, k, v, o;
    private final RmsNorm qNorm, kNorm;
    private final RotaryEmbedding rope;
    private final int heads, kvHeads, headDim, window;
    private final float scale;

    /**
     * @param qNorm per-head norm of q (headDim weights) or null; likewise {@code kNorm}
     * @param window sliding-window size in tokens, 0 for full causal attention
     */
    public CausalSelfAttention(Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm, RmsNorm kNorm,
                               RotaryEmbedding rope, int heads, int kvHeads, int headDim, int window) {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("kv heads " + kvHeads + " must divide heads " + heads);
        }
        if (q.out() != heads * headDim || k.out() != kvHeads * headDim || v.out() != kvHeads * headDim || o.in() != heads * headDim) {
            throw new IllegalArgumentException("attention projections disagree with " + heads + " heads / " + kvHeads
                    + " kv heads of " + headDim + ": q " + q.out() + ", k " + k.out() + ", v " + v.out() + ", o in " + o.in());
        }
        this.q = q; this.k = k; this.v = v; this.o = o;
        this.qNorm = qNorm; this.kNorm = kNorm;
        this.rope = rope;
        this.heads = heads; this.kvHeads = kvHeads; this.headDim = headDim; this.window = window;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    public int heads() { return heads; }
    public int kvHeads() { return kvHeads; }
    public int headDim() { return headDim; }
    public int window() { return window; }

    // The parts, for the training forward that re-runs them on the autograd tape.
    public Linear q() { return q; }
    public Linear k() { return k; }
    public Linear v() { return v; }
    public Linear o() { return o; }
    /** Per-head q norm (Qwen3) or null. */
    public RmsNorm qNorm() { return qNorm; }
    /** Per-head k norm (Qwen3) or null. */
    public RmsNorm kNorm() { return kNorm; }
    public RotaryEmbedding rope() { return rope; }

    /**
     * Attends {@code n} tokens at positions {@code pos0..pos0+n) over the cache: writes their
     * K/V rows at {@code pos0} into {@code keys}/{@code values}, then {@code y[n, dim] = o(attention)}.
     */
    public void forward(float[] x, int n, int pos0, float[] keys, float[] values, float[] y) {
        int qDim = heads * headDim, kvDim = kvHeads * headDim;
        if ((long) (pos0 + n) * kvDim > keys.length || (long) (pos0 + n) * kvDim > values.length) {
            throw new IllegalArgumentException("the KV cache holds " + keys.length / kvDim + " tokens, needs " + (pos0 + n));
        }
        float[] qs = new float[n * qDim], ks = new float[n * kvDim], vs = new float[n * kvDim], att = new float[n * qDim];
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = pos0 + i;
        project(x, n, positions, qs, ks, vs);
        System.arraycopy(ks, 0, keys, pos0 * kvDim, n * kvDim);
        System.arraycopy(vs, 0, values, pos0 * kvDim, n * kvDim);
        Attention.attend(qs, 0, n, pos0, keys, 0, values, 0, pos0 + n, heads, kvHeads, headDim, headDim, scale,
                Attention.Mask.CAUSAL, window, att, 0);
        o.forward(att, n, y);
    }

    /**
     * The cache-independent first half of {@link #forward}: q, k, v of {@code n} tokens (each at
     * its own position, so rows of different sequences can share one call and one matmul per
     * projection), with the q/k norms and RoPE applied. A paged cache stores ks/vs itself.
     */
    public void project(float[] x, int n, int[] positions, float[] qs, float[] ks, float[] vs) {
        project(x, n, positions, null, qs, ks, vs);
    }

    /**
     * {@link #project(float[], int, int[], float[], float[], float[])} for rows of several
     * sequences, row i's reaching {@code lengths[i]} tokens in this pass (a dynamic RoPE table
     * depends on it); null: one sequence.
     */
    public void project(float[] x, int n, int[] positions, int[] lengths, float[] qs, float[] ks, float[] vs) {
        q.forward(x, n, qs);
        k.forward(x, n, ks);
        v.forward(x, n, vs);
        if (qNorm != null) qNorm.forward(qs, 0, qs, 0, n * heads);
        if (kNorm != null) kNorm.forward(ks, 0, ks, 0, n * kvHeads);
        if (lengths == null) {
            rope.forward(qs, n, positions, heads, headDim);
            rope.forward(ks, n, positions, kvHeads, headDim);
        } else {
            rope.forward(qs, n, positions, lengths, heads, headDim);
            rope.forward(ks, n, positions, lengths, kvHeads, headDim);
        }
    }

    /** The output projection ({@code y = o(att)}), the last step of {@link #forward}. */
    public void projectOutput(float[] att, int n, float[] y) { o.forward(att, n, y); }

    /** The softmax scale, 1/sqrt(headDim). */
    public float scale() { return scale; }
}

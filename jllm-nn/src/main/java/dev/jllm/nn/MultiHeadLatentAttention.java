package dev.jllm.nn;

import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Attention;
import dev.jllm.tensor.kernel.LatentAttention;

/**
 * Multi-head latent attention (DeepSeek-V2): keys and values are compressed into one latent
 * vector per token, so the cache holds only {@code rank} latent floats plus a {@code ropeDim}
 * rotary key (shared by all heads) per token and layer, instead of per-head K and V.
 *
 * <pre>
 *   q      = qB(norm(qA x))  or  q(x)                  [heads, nope | rope]
 *   kvA x  = [ c (rank) | r (ropeDim) ];  c = norm(c);  r = RoPE(r)       (cached)
 *   head h: k_h = [ Wuk_h c | r ],  v_h = Wuv_h c       (Wuk_h [nope, rank], Wuv_h [v, rank])
 *   y      = o( concat_h softmax(scale q_h . k_h) v_h )
 * </pre>
 *
 * {@link Mode#ABSORBED} never rebuilds k or v: {@code q_nope . Wuk_h c =
 * (Wuk_h^T q_nope) . c}, so each query is mapped into latent space once, attention runs over
 * the latent cache directly ({@link LatentAttention}), and {@code Wuv_h} is applied to the
 * attended latent. {@link Mode#DECOMPRESSED} rebuilds per-head K/V from the same cache and runs
 * ordinary attention: the textbook form, cheaper for long prefill chunks. {@link Mode#AUTO} (the
 * default) picks absorbed for decode and short chunks, decompressed for long ones.
 */
public final class MultiHeadLatentAttention {
    /** How attention is computed over the latent cache (the cache is the same in all). */
    public enum Mode {
        /** ABSORBED for short steps (decode), DECOMPRESSED for long prefill chunks, by a flop estimate. */
        AUTO,
        ABSORBED,
        DECOMPRESSED
    }

    private final Linear qA, q, kvA, o;
    private final RmsNorm qANorm, kvANorm;
    private final RotaryEmbedding rope;
    private final int heads, nope, ropeDim, valueDim, rank;
    private final float scale;
    /** Per head: [rank, nope] (absorbs the key up-projection into the query), [v, rank] (value up-projection). */
    private final Linear[] keyAbsorb, valueUp;
    /** Per head [nope, rank]: the key up-projection itself (DECOMPRESSED only; built on first use when the file lacks it). */
    private volatile Linear[] keyUp;
    private volatile Mode mode = Mode.AUTO;

    /**
     * The per-head up-projections from llama.cpp's tensors: either the fused {@code attn_kv_b}
     * ([heads * (nope + v), rank], per head nope key rows then v value rows) or the split
     * {@code attn_k_b} ([heads, rank, nope]) and {@code attn_v_b} ([heads, v, rank]). The
     * direction a file lacks is made by transposing in F32.
     */
    public record UpProjections(Tensor[] keyUp, Tensor[] keyAbsorb, Tensor[] valueUp) {
        public static UpProjections fused(Tensor kvB, int heads, int nope, int valueDim) {
            Tensor[] ku = new Tensor[heads], vu = new Tensor[heads];
            for (int h = 0; h < heads; h++) {
                long base = (long) h * (nope + valueDim);
                ku[h] = kvB.slice(0, base, base + nope);
                vu[h] = kvB.slice(0, base + nope, base + nope + valueDim);
            }
            return new UpProjections(ku, null, vu);
        }

        public static UpProjections split(Tensor kB, Tensor vB) {
            int heads = kB.size(0);
            Tensor[] ka = new Tensor[heads], vu = new Tensor[heads];
            for (int h = 0; h < heads; h++) {
                ka[h] = kB.select(0, h);
                vu[h] = vB.select(0, h);
            }
            return new UpProjections(null, ka, vu);
        }
    }

    /**
     * @param qA the query down-projection or null (then {@code q} maps the input directly)
     * @param qANorm RMSNorm of the compressed query, with {@code qA}
     * @param kvA [rank + ropeDim, dim]
     * @param rope rotary embedding of the {@code ropeDim} dims (DeepSeek: adjacent pairs)
     * @param scale softmax scale (1/sqrt(nope + ropeDim), times YaRN's mscale squared)
     */
    public MultiHeadLatentAttention(Linear qA, RmsNorm qANorm, Linear q, Linear kvA, RmsNorm kvANorm, UpProjections up,
                                    Linear o, RotaryEmbedding rope, int heads, int nope, int ropeDim, int valueDim, float scale) {
        this.rank = kvANorm.dim();
        if (q.out() != heads * (nope + ropeDim)) {
            throw new IllegalArgumentException("query projection has " + q.out() + " rows, expected " + heads + " x (" + nope + " + " + ropeDim + ")");
        }
        if (kvA.out() != rank + ropeDim) {
            throw new IllegalArgumentException("kv down-projection has " + kvA.out() + " rows, expected " + rank + " + " + ropeDim);
        }
        if (o.in() != heads * valueDim) throw new IllegalArgumentException("output projection takes " + o.in() + ", expected " + heads * valueDim);
        if (rope.frequencies().rotaryDims() != ropeDim) {
            throw new IllegalArgumentException("rotary table covers " + rope.frequencies().rotaryDims() + " dims, expected " + ropeDim);
        }
        if ((qA == null) != (qANorm == null)) throw new IllegalArgumentException("q_a and its norm come together");
        this.qA = qA; this.qANorm = qANorm; this.q = q; this.kvA = kvA; this.kvANorm = kvANorm; this.o = o;
        this.rope = rope;
        this.heads = heads; this.nope = nope; this.ropeDim = ropeDim; this.valueDim = valueDim;
        this.scale = scale;
        this.valueUp = new Linear[heads];
        this.keyAbsorb = new Linear[heads];
        Linear[] ku = up.keyUp() == null ? null : new Linear[heads];
        for (int h = 0; h < heads; h++) {
            valueUp[h] = new Linear(check(up.valueUp()[h], valueDim, rank, "value up-projection", h), null);
            if (ku != null) ku[h] = new Linear(check(up.keyUp()[h], nope, rank, "key up-projection", h), null);
            keyAbsorb[h] = new Linear(up.keyAbsorb() != null ? check(up.keyAbsorb()[h], rank, nope, "key absorption", h)
                    : transposed(ku[h].weight()), null);
        }
        this.keyUp = ku;
    }

    private static Tensor check(Tensor t, int rows, int cols, String what, int head) {
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw new IllegalArgumentException(what + " of head " + head + " has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
        return t;
    }

    /** An F32 copy of {@code w^T} (any dtype). */
    private static Tensor transposed(Tensor w) {
        return Tensor.of(w.toFloatArray(), w.dim(0), w.dim(1)).transpose(0, 1).contiguous();
    }

    public int heads() { return heads; }
    public int rank() { return rank; }
    public int ropeDim() { return ropeDim; }
    public Mode mode() { return mode; }
    public void mode(Mode m) { this.mode = m; }

    /**
     * Attends {@code n} tokens at positions {@code pos0..}: writes their latent rows into
     * {@code latent} ([tokens, rank]) and rotary keys into {@code ropeKeys} ([tokens, ropeDim]) at
     * {@code pos0}, then {@code y[n, dim] = attention output}.
     */
    public void forward(float[] x, int n, int pos0, float[] latent, float[] ropeKeys, float[] y) {
        if ((long) (pos0 + n) * rank > latent.length || (long) (pos0 + n) * ropeDim > ropeKeys.length) {
            throw new IllegalArgumentException("the latent cache holds " + latent.length / rank + " tokens, needs " + (pos0 + n));
        }
        int qk = nope + ropeDim;
        float[] qs = queries(x, n);
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = pos0 + i;
        // The new tokens' latent and rotary key go straight into the cache.
        float[] kv = new float[n * (rank + ropeDim)], pe = new float[n * ropeDim];
        kvA.forward(x, n, kv);
        for (int t = 0; t < n; t++) {
            System.arraycopy(kv, t * (rank + ropeDim), latent, (pos0 + t) * rank, rank);
            System.arraycopy(kv, t * (rank + ropeDim) + rank, pe, t * ropeDim, ropeDim);
        }
        kvANorm.forward(latent, pos0 * rank, latent, pos0 * rank, n);
        rope.forward(pe, n, positions, 1, ropeDim);
        System.arraycopy(pe, 0, ropeKeys, pos0 * ropeDim, n * ropeDim);

        float[] qPe = new float[n * heads * ropeDim];
        for (int r = 0; r < n * heads; r++) System.arraycopy(qs, r * qk + nope, qPe, r * ropeDim, ropeDim);
        rope.forward(qPe, n, positions, heads, ropeDim);
        float[] att = new float[n * heads * valueDim];
        // Rebuilding K/V costs (nope + v) x rank per cached token and head, once per call; absorbed
        // attention costs about 2 x rank + ropeDim per query, key and head: past the break-even
        // chunk length (about 120 tokens at DeepSeek-V3's sizes) decompressing is cheaper.
        Mode m = mode != Mode.AUTO ? mode
                : (long) n * (2L * rank + ropeDim) >= (long) (nope + valueDim) * rank ? Mode.DECOMPRESSED : Mode.ABSORBED;
        if (m == Mode.ABSORBED) absorbed(qs, qPe, n, pos0, latent, ropeKeys, att);
        else decompressed(qs, qPe, n, pos0, latent, ropeKeys, att);
        o.forward(att, n, y);
    }

    /**
     * The cache-independent first half of absorbed attention for rows that may belong to several
     * sequences (a batching server's step), each at its own position: {@code cacheRows[n, rank +
     * ropeDim]} gets each token's normalized latent and rotated key side by side (what a paged
     * cache stores), {@code qLat[n, heads, rank]} the queries mapped into latent space and
     * {@code qPe[n, heads, ropeDim]} their rotated parts (see
     * {@link LatentAttention#attendPaged}).
     */
    public void projectAbsorbed(float[] x, int n, int[] positions, float[] cacheRows, float[] qLat, float[] qPe) {
        int qk = nope + ropeDim, width = rank + ropeDim;
        float[] qs = queries(x, n);
        kvA.forward(x, n, cacheRows);
        for (int t = 0; t < n; t++) kvANorm.forward(cacheRows, t * width, cacheRows, t * width, 1);
        float[] pe = new float[n * ropeDim];
        for (int t = 0; t < n; t++) System.arraycopy(cacheRows, t * width + rank, pe, t * ropeDim, ropeDim);
        rope.forward(pe, n, positions, 1, ropeDim);
        for (int t = 0; t < n; t++) System.arraycopy(pe, t * ropeDim, cacheRows, t * width + rank, ropeDim);
        for (int r = 0; r < n * heads; r++) System.arraycopy(qs, r * qk + nope, qPe, r * ropeDim, ropeDim);
        rope.forward(qPe, n, positions, heads, ropeDim);
        absorbQueries(qs, n, qLat);
    }

    /** The second half: {@code y[n, dim] = o(concat_h Wuv_h outLat[t, h])} from attended latents {@code outLat[n, heads, rank]}. */
    public void outputAbsorbed(float[] outLat, int n, float[] y) {
        float[] att = new float[n * heads * valueDim];
        upValues(outLat, n, att);
        o.forward(att, n, y);
    }

    /** {@code qLat[t, h] = Wuk_h^T qNope[t, h]}: each head's query in latent space. */
    private void absorbQueries(float[] qs, int n, float[] qLat) {
        int qk = nope + ropeDim;
        float[] qNope = new float[n * nope], lat = new float[n * rank];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) System.arraycopy(qs, (t * heads + h) * qk, qNope, t * nope, nope);
            keyAbsorb[h].forward(qNope, n, lat);
            for (int t = 0; t < n; t++) System.arraycopy(lat, t * rank, qLat, (t * heads + h) * rank, rank);
        }
    }

    /** {@code att[t, h] = Wuv_h outLat[t, h]}: each head's attended latent back to value space. */
    private void upValues(float[] outLat, int n, float[] att) {
        float[] lat = new float[n * rank], v = new float[n * valueDim];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < n; t++) System.arraycopy(outLat, (t * heads + h) * rank, lat, t * rank, rank);
            valueUp[h].forward(lat, n, v);
            for (int t = 0; t < n; t++) System.arraycopy(v, t * valueDim, att, (t * heads + h) * valueDim, valueDim);
        }
    }

    /** Softmax scale of the scores. */
    public float scale() { return scale; }

    /** q for {@code n} rows: {@code qB(norm(qA x))} or {@code q(x)}, [n, heads, nope + ropeDim]. */
    private float[] queries(float[] x, int n) {
        float[] qs = new float[n * heads * (nope + ropeDim)];
        if (qA != null) {
            float[] a = new float[n * qA.out()];
            qA.forward(x, n, a);
            qANorm.forward(a, 0, a, 0, n);
            q.forward(a, n, qs);
        } else {
            q.forward(x, n, qs);
        }
        return qs;
    }

    private void absorbed(float[] qs, float[] qPe, int n, int pos0, float[] latent, float[] ropeKeys, float[] att) {
        float[] qLat = new float[n * heads * rank], outLat = new float[n * heads * rank];
        absorbQueries(qs, n, qLat);
        LatentAttention.attend(qLat, qPe, n, pos0, latent, ropeKeys, pos0 + n, heads, rank, ropeDim, scale, outLat);
        upValues(outLat, n, att);
    }

    private void decompressed(float[] qs, float[] qPe, int n, int pos0, float[] latent, float[] ropeKeys, float[] att) {
        int qk = nope + ropeDim, total = pos0 + n;
        Linear[] ku = keyUp();
        float[] query = new float[n * heads * qk];
        for (int r = 0; r < n * heads; r++) {
            System.arraycopy(qs, r * qk, query, r * qk, nope);
            System.arraycopy(qPe, r * ropeDim, query, r * qk + nope, ropeDim);
        }
        float[] keys = new float[total * heads * qk], values = new float[total * heads * valueDim];
        float[] kh = new float[total * nope], vh = new float[total * valueDim];
        for (int h = 0; h < heads; h++) {
            ku[h].forward(latent, total, kh);
            valueUp[h].forward(latent, total, vh);
            for (int t = 0; t < total; t++) {
                int k = (t * heads + h) * qk;
                System.arraycopy(kh, t * nope, keys, k, nope);
                System.arraycopy(ropeKeys, t * ropeDim, keys, k + nope, ropeDim);
                System.arraycopy(vh, t * valueDim, values, (t * heads + h) * valueDim, valueDim);
            }
        }
        Attention.attend(query, 0, n, pos0, keys, 0, values, 0, total, heads, heads, qk, valueDim, scale,
                Attention.Mask.CAUSAL, 0, att, 0);
    }

    private Linear[] keyUp() {
        Linear[] ku = keyUp;
        if (ku == null) {
            synchronized (this) {
                if (keyUp == null) {
                    Linear[] made = new Linear[heads];
                    for (int h = 0; h < heads; h++) made[h] = new Linear(transposed(keyAbsorb[h].weight()), null);
                    keyUp = made;
                }
                ku = keyUp;
            }
        }
        return ku;
    }
}

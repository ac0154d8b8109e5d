package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Causal multi-head attention for training, FlashAttention-2 style: forward and backward run
 * in query x key tiles with an online softmax, keep only the output and one logsumexp per
 * query row, and recompute the probabilities tile by tile in backward
 * ({@code D = rowsum(dO * O)}, {@code dS = P * (dP - D)}). No [seq x seq] matrix is ever held.
 *
 * <p>Layouts are those the projections produce: {@code q} is [batch, seq, heads, headDim],
 * {@code k} and {@code v} are [batch, seq, kvHeads, headDim] with kvHeads dividing heads
 * (grouped-query attention: query head h reads KV head {@code h / (heads / kvHeads)}, as
 * PyTorch's {@code repeat_interleave} over heads).
 *
 * <p>Masking: token i of a row sees token j when {@code j <= i} and, given document ids,
 * {@code doc[j] == doc[i]} (packed sequences never attend across documents). A negative
 * document id marks padding: a padding token sees nothing (its output is zero) and no token
 * sees it, so left and right padding both work. An optional sliding window also hides keys
 * {@code window} or more positions back.
 */
public final class AttentionOp {
    private AttentionOp() {}

    /** Query rows per tile: they share each key tile while it is in cache. */
    static final int QUERY_TILE = 32;
    /** Keys per tile. */
    static final int KEY_TILE = 64;

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int LANES = Simd.SCALAR ? 1 : F.length();

    /** Attention with no window and the usual {@code 1/sqrt(headDim)} score scale. */
    public static Var attention(Tape tape, Var q, Var k, Var v, int[] docIds) {
        return attention(tape, q, k, v, docIds, 0, (float) (1.0 / Math.sqrt(q.dim(3))));
    }

    /**
     * @param docIds null for plain causal attention, else {@code batch * seq} document ids (negative = padding)
     * @param window sliding window (Mistral's convention: a token sees itself and the {@code window - 1} before it), 0 = none
     * @param scale  multiplier of the scores {@code q . k}
     * @return the attention output, [batch, seq, heads, headDim]
     */
    public static Var attention(Tape tape, Var q, Var k, Var v, int[] docIds, int window, float scale) {
        Geometry g = Geometry.of(q, k, v, docIds);
        if (window < 0) throw new IllegalArgumentException("attention window must be >= 0, got " + window);
        int[] first = firstVisible(g, docIds, window);
        boolean docCheck = docIds != null && !contiguousDocuments(g, docIds);
        int[] docs = docCheck ? docIds.clone() : null; // the caller may reuse its array before backward runs
        float[] out = new float[q.numel()];
        float[] lse = new float[g.batch * g.heads * g.seq];
        forward(g, q.data(), k.data(), v.data(), first, docs, scale, out, lse);
        Var result = tape.output(out, q.shape(), q, k, v);
        return tape.record(result, () -> {
            if (!result.hasGrad()) return;
            backward(g, q, k, v, out, lse, result.grad(), first, docs, scale);
        }, q, k, v);
    }

    /** Sizes shared by forward and backward. */
    private record Geometry(int batch, int seq, int heads, int kvHeads, int headDim) {
        int group() { return heads / kvHeads; }
        int qRow() { return heads * headDim; }
        int kvRow() { return kvHeads * headDim; }

        static Geometry of(Var q, Var k, Var v, int[] docIds) {
            if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
                throw new IllegalArgumentException("attention needs q, k, v of rank 4 [batch, seq, heads, headDim], got "
                        + q + ", " + k + ", " + v);
            }
            int batch = q.dim(0), seq = q.dim(1), heads = q.dim(2), headDim = q.dim(3), kvHeads = k.dim(2);
            if (!Arrays.equals(k.shape(), v.shape()) || k.dim(0) != batch || k.dim(1) != seq || k.dim(3) != headDim) {
                throw new IllegalArgumentException("k " + Arrays.toString(k.shape()) + " and v " + Arrays.toString(v.shape())
                        + " must be [" + batch + ", " + seq + ", kvHeads, " + headDim + "] to match q " + Arrays.toString(q.shape()));
            }
            if (kvHeads == 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("kv heads " + kvHeads + " must divide heads " + heads);
            }
            if (docIds != null && docIds.length != batch * seq) {
                throw new IllegalArgumentException("docIds has " + docIds.length + " entries, expected batch*seq = " + batch * seq);
            }
            return new Geometry(batch, seq, heads, kvHeads, headDim);
        }
    }

    /**
     * For each token, the first key it may see (every visible key lies in [first, i]), or -1
     * for padding: the start of its document, or of its window if that comes later.
     */
    private static int[] firstVisible(Geometry g, int[] docIds, int window) {
        int[] first = new int[g.batch * g.seq];
        if (window > 0) {
            for (int t = 0; t < first.length; t++) first[t] = Math.max(0, t % g.seq - window + 1);
        }
        if (docIds == null) return first;
        for (int b = 0; b < g.batch; b++) {
            Map<Integer, Integer> seen = new HashMap<>();
            for (int i = 0; i < g.seq; i++) {
                int t = b * g.seq + i, doc = docIds[t];
                if (doc < 0) first[t] = -1;
                else first[t] = Math.max(first[t], seen.computeIfAbsent(doc, d -> t % g.seq));
            }
        }
        return first;
    }

    /** True when each document id of a row occupies one run, so [first, i] holds only the token's own document. */
    private static boolean contiguousDocuments(Geometry g, int[] docIds) {
        for (int b = 0; b < g.batch; b++) {
            Set<Integer> closed = new HashSet<>();
            for (int i = 0; i < g.seq; i++) {
                int t = b * g.seq + i;
                if (i > 0 && docIds[t] != docIds[t - 1]) {
                    if (docIds[t - 1] >= 0) closed.add(docIds[t - 1]);
                    if (docIds[t] >= 0 && closed.contains(docIds[t])) return false; // a document resumes after another
                }
            }
        }
        return true;
    }

    // ---- forward ----------------------------------------------------------------------

    private static void forward(Geometry g, float[] q, float[] k, float[] v, int[] first, int[] docs, float scale,
                                float[] out, float[] lse) {
        int seq = g.seq, hd = g.headDim;
        Parallel.forRange(g.batch * g.heads, (start, end) -> {
            float[] kt = new float[hd * seq];
            float[] qs = new float[QUERY_TILE * hd];
            float[] acc = new float[QUERY_TILE * hd];
            float[] max = new float[QUERY_TILE], sum = new float[QUERY_TILE];
            float[] s = new float[KEY_TILE];
            for (int item = start; item < end; item++) {
                int b = item / g.heads, h = item % g.heads, kvh = h / g.group();
                transpose(k, b, kvh, g, kt);
                for (int i0 = 0; i0 < seq; i0 += QUERY_TILE) {
                    int i1 = Math.min(seq, i0 + QUERY_TILE);
                    int lo = seq;
                    for (int i = i0; i < i1; i++) {
                        int qo = ((b * seq + i) * g.heads + h) * hd;
                        for (int d = 0; d < hd; d++) qs[(i - i0) * hd + d] = q[qo + d] * scale;
                        if (first[b * seq + i] >= 0) lo = Math.min(lo, first[b * seq + i]);
                    }
                    Arrays.fill(acc, 0f);
                    Arrays.fill(max, Float.NEGATIVE_INFINITY);
                    Arrays.fill(sum, 0f);
                    for (int j0 = lo - lo % KEY_TILE; j0 < i1; j0 += KEY_TILE) {
                        int j1 = Math.min(i1, j0 + KEY_TILE);
                        for (int i = Math.max(i0, j0); i < i1; i++) {
                            int t = b * seq + i, r = i - i0;
                            int a = Math.max(j0, first[t]), e = Math.min(j1, i + 1);
                            if (first[t] < 0 || a >= e) continue;
                            scores(qs, r * hd, kt, seq, k, b, kvh, g, a, e, s);
                            float tileMax = Float.NEGATIVE_INFINITY;
                            for (int j = a; j < e; j++) {
                                if (docs != null && docs[b * seq + j] != docs[t]) s[j - a] = Float.NEGATIVE_INFINITY;
                                tileMax = Math.max(tileMax, s[j - a]);
                            }
                            if (tileMax == Float.NEGATIVE_INFINITY) continue;
                            float m = Math.max(max[r], tileMax);
                            float correction = (float) Math.exp(max[r] - m); // exp(-inf) = 0 on the first tile
                            if (correction != 1f) scale(acc, r * hd, hd, correction);
                            sum[r] = sum[r] * correction + expShift(s, e - a, m);
                            weightedRowSum(s, e - a, v, ((b * seq + a) * g.kvHeads + kvh) * hd, g.kvRow(), acc, r * hd, hd);
                            max[r] = m;
                        }
                    }
                    for (int i = i0; i < i1; i++) {
                        int r = i - i0, oo = ((b * seq + i) * g.heads + h) * hd;
                        int li = (b * g.heads + h) * seq + i;
                        if (sum[r] == 0f) { // padding: nothing visible
                            Arrays.fill(out, oo, oo + hd, 0f);
                            lse[li] = Float.NEGATIVE_INFINITY;
                            continue;
                        }
                        float inv = 1f / sum[r];
                        for (int d = 0; d < hd; d++) out[oo + d] = acc[r * hd + d] * inv;
                        lse[li] = max[r] + (float) Math.log(sum[r]);
                    }
                }
            }
        });
    }

    // ---- backward ---------------------------------------------------------------------

    private static void backward(Geometry g, Var qv, Var kv, Var vv, float[] out, float[] lse, float[] dOut,
                                 int[] first, int[] docs, float scale) {
        float[] q = qv.data(), k = kv.data(), v = vv.data();
        // Gradients go to scratch when an input needs none, so the loop has one shape.
        float[] dq = qv.requiresGrad() ? qv.grad() : null;
        float[] dk = kv.requiresGrad() ? kv.grad() : null;
        float[] dv = vv.requiresGrad() ? vv.grad() : null;
        int seq = g.seq, hd = g.headDim, group = g.group();
        // One work item per (batch, kv head): it owns that head's dK/dV rows and its query heads' dQ rows.
        Parallel.forRange(g.batch * g.kvHeads, (start, end) -> {
            float[] kt = new float[hd * seq], vt = new float[hd * seq];
            float[] delta = new float[seq];
            float[] qs = new float[hd], dqRow = new float[hd];
            float[] s = new float[KEY_TILE], dp = new float[KEY_TILE];
            for (int item = start; item < end; item++) {
                int b = item / g.kvHeads, kvh = item % g.kvHeads;
                transpose(k, b, kvh, g, kt);
                transpose(v, b, kvh, g, vt);
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    for (int i = 0; i < seq; i++) {
                        int oo = ((b * seq + i) * g.heads + h) * hd;
                        delta[i] = first[b * seq + i] < 0 ? 0f : dot(dOut, oo, out, oo, hd);
                    }
                    for (int j0 = 0; j0 < seq; j0 += KEY_TILE) {
                        int j1 = Math.min(seq, j0 + KEY_TILE);
                        for (int i = j0; i < seq; i++) {
                            int t = b * seq + i;
                            int a = Math.max(j0, first[t]), e = Math.min(j1, i + 1);
                            if (first[t] < 0 || a >= e) continue;
                            int qo = (t * g.heads + h) * hd;
                            for (int d = 0; d < hd; d++) qs[d] = q[qo + d] * scale;
                            float rowLse = lse[(b * g.heads + h) * seq + i];
                            scores(qs, 0, kt, seq, k, b, kvh, g, a, e, s);
                            scores(dOut, qo, vt, seq, v, b, kvh, g, a, e, dp);
                            if (docs != null) {
                                for (int j = a; j < e; j++) if (docs[b * seq + j] != docs[t]) s[j - a] = Float.NEGATIVE_INFINITY;
                            }
                            expShift(s, e - a, rowLse); // the probabilities, recomputed
                            for (int j = 0; j < e - a; j++) dp[j] = s[j] * (dp[j] - delta[i]); // dS
                            backwardRows(s, dp, e - a, k, ((b * seq + a) * g.kvHeads + kvh) * hd, g.kvRow(),
                                    dOut, qo, qs, dv, dk, dqRow, hd);
                            if (dq != null) axpy(scale, dqRow, 0, dq, qo, hd);
                        }
                    }
                }
            }
        });
    }

    // ---- small vector kernels ---------------------------------------------------------

    /** {@code kt[d * seq + j] = k[b, j, kvh, d]}: keys of one head as columns, so scores vectorize over keys. */
    private static void transpose(float[] k, int b, int kvh, Geometry g, float[] kt) {
        int seq = g.seq, hd = g.headDim;
        for (int j = 0; j < seq; j++) {
            int ko = ((b * seq + j) * g.kvHeads + kvh) * hd;
            for (int d = 0; d < hd; d++) kt[d * seq + j] = k[ko + d];
        }
    }

    /**
     * {@code s[j - a] = x[xo..xo+hd) . key j} for keys [a, e): full vectors of keys from the
     * transposed copy, the remainder as dot products with the token-major rows.
     */
    private static void scores(float[] x, int xo, float[] kt, int seq, float[] k, int b, int kvh, Geometry g,
                               int a, int e, float[] s) {
        int hd = g.headDim;
        int j = a;
        if (!Simd.SCALAR) {
            for (; j + LANES <= e; j += LANES) {
                FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
                int d = 0;
                for (; d + 1 < hd; d += 2) {
                    acc0 = FloatVector.fromArray(F, kt, d * seq + j).fma(FloatVector.broadcast(F, x[xo + d]), acc0);
                    acc1 = FloatVector.fromArray(F, kt, (d + 1) * seq + j).fma(FloatVector.broadcast(F, x[xo + d + 1]), acc1);
                }
                if (d < hd) acc0 = FloatVector.fromArray(F, kt, d * seq + j).fma(FloatVector.broadcast(F, x[xo + d]), acc0);
                acc0.add(acc1).intoArray(s, j - a);
            }
        }
        for (; j < e; j++) s[j - a] = dot(x, xo, k, ((b * seq + j) * g.kvHeads + kvh) * hd, hd);
    }

    /**
     * {@code acc[ao..ao+hd) += sum_j w[j] * x[x0 + j*stride ..+hd)} over j &lt; n, zero weights
     * skipped; four vectors of the accumulator stay in registers across the keys.
     */
    private static void weightedRowSum(float[] w, int n, float[] x, int x0, int stride, float[] acc, int ao, int hd) {
        int d = 0;
        if (!Simd.SCALAR) {
            for (; d + 4 * LANES <= hd; d += 4 * LANES) {
                int o = ao + d;
                FloatVector a0 = FloatVector.fromArray(F, acc, o), a1 = FloatVector.fromArray(F, acc, o + LANES);
                FloatVector a2 = FloatVector.fromArray(F, acc, o + 2 * LANES), a3 = FloatVector.fromArray(F, acc, o + 3 * LANES);
                for (int j = 0; j < n; j++) {
                    if (w[j] == 0f) continue;
                    FloatVector p = FloatVector.broadcast(F, w[j]);
                    int xo = x0 + j * stride + d;
                    a0 = FloatVector.fromArray(F, x, xo).fma(p, a0);
                    a1 = FloatVector.fromArray(F, x, xo + LANES).fma(p, a1);
                    a2 = FloatVector.fromArray(F, x, xo + 2 * LANES).fma(p, a2);
                    a3 = FloatVector.fromArray(F, x, xo + 3 * LANES).fma(p, a3);
                }
                a0.intoArray(acc, o);
                a1.intoArray(acc, o + LANES);
                a2.intoArray(acc, o + 2 * LANES);
                a3.intoArray(acc, o + 3 * LANES);
            }
            for (; d + LANES <= hd; d += LANES) {
                FloatVector a0 = FloatVector.fromArray(F, acc, ao + d);
                for (int j = 0; j < n; j++) {
                    if (w[j] != 0f) a0 = FloatVector.fromArray(F, x, x0 + j * stride + d).fma(FloatVector.broadcast(F, w[j]), a0);
                }
                a0.intoArray(acc, ao + d);
            }
        }
        for (; d < hd; d++) {
            float sum = acc[ao + d];
            for (int j = 0; j < n; j++) sum += w[j] * x[x0 + j * stride + d];
            acc[ao + d] = sum;
        }
    }

    /**
     * One query row against the keys j &lt; n of a tile (rows {@code kv0 + j*stride}):
     * {@code dV_j += P_j dO}, {@code dK_j += dS_j qs} (qs carries the score scale) and
     * {@code dqRow = sum_j dS_j K_j}; dO, qs and dqRow stay in registers across the keys.
     * A null {@code dv} or {@code dk} is skipped.
     */
    private static void backwardRows(float[] p, float[] ds, int n, float[] k, int kv0, int stride, float[] dOut, int qo,
                                     float[] qs, float[] dv, float[] dk, float[] dqRow, int hd) {
        int d = 0;
        if (!Simd.SCALAR) {
            for (; d + 4 * LANES <= hd; d += 4 * LANES) {
                FloatVector o0 = FloatVector.fromArray(F, dOut, qo + d), o1 = FloatVector.fromArray(F, dOut, qo + d + LANES);
                FloatVector o2 = FloatVector.fromArray(F, dOut, qo + d + 2 * LANES), o3 = FloatVector.fromArray(F, dOut, qo + d + 3 * LANES);
                FloatVector q0 = FloatVector.fromArray(F, qs, d), q1 = FloatVector.fromArray(F, qs, d + LANES);
                FloatVector q2 = FloatVector.fromArray(F, qs, d + 2 * LANES), q3 = FloatVector.fromArray(F, qs, d + 3 * LANES);
                FloatVector z0 = FloatVector.zero(F), z1 = z0, z2 = z0, z3 = z0;
                for (int j = 0; j < n; j++) {
                    if (p[j] == 0f) continue;
                    int o = kv0 + j * stride + d;
                    if (dv != null) {
                        FloatVector pv = FloatVector.broadcast(F, p[j]);
                        o0.fma(pv, FloatVector.fromArray(F, dv, o)).intoArray(dv, o);
                        o1.fma(pv, FloatVector.fromArray(F, dv, o + LANES)).intoArray(dv, o + LANES);
                        o2.fma(pv, FloatVector.fromArray(F, dv, o + 2 * LANES)).intoArray(dv, o + 2 * LANES);
                        o3.fma(pv, FloatVector.fromArray(F, dv, o + 3 * LANES)).intoArray(dv, o + 3 * LANES);
                    }
                    FloatVector sv = FloatVector.broadcast(F, ds[j]);
                    if (dk != null) {
                        q0.fma(sv, FloatVector.fromArray(F, dk, o)).intoArray(dk, o);
                        q1.fma(sv, FloatVector.fromArray(F, dk, o + LANES)).intoArray(dk, o + LANES);
                        q2.fma(sv, FloatVector.fromArray(F, dk, o + 2 * LANES)).intoArray(dk, o + 2 * LANES);
                        q3.fma(sv, FloatVector.fromArray(F, dk, o + 3 * LANES)).intoArray(dk, o + 3 * LANES);
                    }
                    z0 = FloatVector.fromArray(F, k, o).fma(sv, z0);
                    z1 = FloatVector.fromArray(F, k, o + LANES).fma(sv, z1);
                    z2 = FloatVector.fromArray(F, k, o + 2 * LANES).fma(sv, z2);
                    z3 = FloatVector.fromArray(F, k, o + 3 * LANES).fma(sv, z3);
                }
                z0.intoArray(dqRow, d);
                z1.intoArray(dqRow, d + LANES);
                z2.intoArray(dqRow, d + 2 * LANES);
                z3.intoArray(dqRow, d + 3 * LANES);
            }
            for (; d + LANES <= hd; d += LANES) {
                FloatVector o0 = FloatVector.fromArray(F, dOut, qo + d), q0 = FloatVector.fromArray(F, qs, d), z0 = FloatVector.zero(F);
                for (int j = 0; j < n; j++) {
                    if (p[j] == 0f) continue;
                    int o = kv0 + j * stride + d;
                    FloatVector sv = FloatVector.broadcast(F, ds[j]);
                    if (dv != null) o0.fma(FloatVector.broadcast(F, p[j]), FloatVector.fromArray(F, dv, o)).intoArray(dv, o);
                    if (dk != null) q0.fma(sv, FloatVector.fromArray(F, dk, o)).intoArray(dk, o);
                    z0 = FloatVector.fromArray(F, k, o).fma(sv, z0);
                }
                z0.intoArray(dqRow, d);
            }
        }
        for (; d < hd; d++) {
            float z = 0, o = dOut[qo + d], q = qs[d];
            for (int j = 0; j < n; j++) {
                if (p[j] == 0f) continue;
                int r = kv0 + j * stride + d;
                if (dv != null) dv[r] += p[j] * o;
                if (dk != null) dk[r] += ds[j] * q;
                z += ds[j] * k[r];
            }
            dqRow[d] = z;
        }
    }

    /** {@code s[i] = exp(s[i] - shift)} for i &lt; n (vector exp); returns their sum. */
    private static float expShift(float[] s, int n, float shift) {
        int i = 0;
        float total = 0;
        if (!Simd.SCALAR) {
            FloatVector sh = FloatVector.broadcast(F, shift), acc = FloatVector.zero(F);
            for (; i + LANES <= n; i += LANES) {
                FloatVector p = FloatVector.fromArray(F, s, i).sub(sh).lanewise(VectorOperators.EXP);
                p.intoArray(s, i);
                acc = acc.add(p);
            }
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            s[i] = (float) Math.exp(s[i] - shift);
            total += s[i];
        }
        return total;
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (!Simd.SCALAR && n >= LANES) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += LANES) {
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** {@code y += alpha * x}. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (!Simd.SCALAR && n >= LANES) {
            FloatVector va = FloatVector.broadcast(F, alpha);
            for (int bound = F.loopBound(n); i < bound; i += LANES) {
                FloatVector.fromArray(F, x, xo + i).fma(va, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    private static void scale(float[] a, int off, int n, float c) {
        for (int i = off; i < off + n; i++) a[i] *= c;
    }
}

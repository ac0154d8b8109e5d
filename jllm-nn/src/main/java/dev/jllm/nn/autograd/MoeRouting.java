package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Reduce;

import java.util.Arrays;

/**
 * Mixture-of-experts routing: top-k expert selection from router logits, the gate weights
 * (with their gradient back into the logits), the weighted combination of expert outputs,
 * and the Switch Transformer load-balancing loss.
 *
 * <p>Gates: Mixtral ({@code renormalize = true}) takes a softmax over the k selected logits,
 * which equals the full softmax renormalized over the selection; {@code renormalize = false}
 * keeps the full-softmax probabilities of the selected experts (Switch, Qwen2-MoE with
 * {@code norm_topk_prob = false}). The selection itself is not differentiable; the gradient
 * reaches the router through the gate values. Ties go to the lower expert index.
 */
public final class MoeRouting {
    private MoeRouting() {}

    /**
     * The routing of {@code tokens} rows to experts.
     *
     * @param experts {@code [tokens·k]}: row t's experts, best first, at {@code t·k .. t·k+k-1}
     * @param gates   {@code [tokens, k]} gate weights in the same order
     */
    public record Routing(int[] experts, Var gates, int tokens, int k, int numExperts) {
        /** Rows routed to expert {@code e}, ascending. */
        public int[] tokensOf(int e) {
            int[] slots = slotsOf(e);
            for (int i = 0; i < slots.length; i++) slots[i] /= k;
            return slots;
        }

        /** Indices into {@link #experts} (and the flattened gates) of the slots routed to expert {@code e}, ascending. */
        public int[] slotsOf(int e) {
            int count = 0;
            for (int x : experts) if (x == e) count++;
            int[] out = new int[count];
            for (int i = 0, c = 0; i < experts.length; i++) if (experts[i] == e) out[c++] = i;
            return out;
        }

        /** How many rows chose each expert (over all k slots). */
        public int[] counts() {
            int[] c = new int[numExperts];
            for (int x : experts) c[x]++;
            return c;
        }
    }

    /** Top-k routing of router {@code logits [tokens, experts]}. */
    public static Routing topK(Tape t, Var logits, int k, boolean renormalize) {
        if (logits.rank() != 2) throw new IllegalArgumentException("moe routing: logits must be [tokens, experts], got " + logits);
        int n = logits.dim(0), numExperts = logits.dim(1);
        if (k < 1 || k > numExperts) throw new IllegalArgumentException("moe routing: k = " + k + " for " + numExperts + " experts");
        float[] x = logits.data();
        int[] experts = new int[n * k];
        float[] g = new float[n * k];
        float[] lse = new float[n]; // of the full row (renormalize = false) or of the selected logits
        Parallel.forRange(n, GradMath.rowGrain(numExperts * 8), (s, e) -> {
            for (int r = s; r < e; r++) {
                int off = r * numExperts;
                Reduce.TopK top = Reduce.topK(x, off, numExperts, k);
                System.arraycopy(top.indices(), 0, experts, r * k, k);
                float l;
                if (renormalize) {
                    float max = top.values()[0];
                    double sum = 0;
                    for (float v : top.values()) sum += Math.exp(v - max);
                    l = max + (float) Math.log(sum);
                } else {
                    float max = CrossEntropy.maxOf(x, off, numExperts);
                    l = max + (float) Math.log(CrossEntropy.sumExp(x, off, numExperts, max));
                }
                lse[r] = l;
                for (int j = 0; j < k; j++) g[r * k + j] = (float) Math.exp(top.values()[j] - l);
            }
        });
        Var gates = t.output(g, new int[] {n, k}, logits);
        t.record(gates, () -> {
            if (!gates.hasGrad()) return;
            float[] dg = gates.grad(), dx = logits.grad();
            Parallel.forRange(n, GradMath.rowGrain(numExperts * 4), (s, e) -> {
                for (int r = s; r < e; r++) {
                    double dot = 0; // Σ over selected of dg·g
                    for (int j = 0; j < k; j++) dot += (double) dg[r * k + j] * g[r * k + j];
                    int off = r * numExperts;
                    if (renormalize) { // softmax over the selection: dlogit_j = g_j (dg_j − dot)
                        for (int j = 0; j < k; j++) {
                            dx[off + experts[r * k + j]] += g[r * k + j] * (float) (dg[r * k + j] - dot);
                        }
                    } else { // full softmax, upstream gradient only at the selection: dlogit_i = p_i (dP_i − dot)
                        for (int i = 0; i < numExperts; i++) dx[off + i] -= (float) (Math.exp(x[off + i] - lse[r]) * dot);
                        for (int j = 0; j < k; j++) dx[off + experts[r * k + j]] += g[r * k + j] * dg[r * k + j];
                    }
                }
            });
        }, logits);
        return new Routing(experts, gates, n, k, numExperts);
    }

    /**
     * {@code out[t] = Σ_j gates[t, j] · y_e[pos]} where {@code y_e = expertOutputs[e]} holds, row
     * after row, expert e's outputs for {@link Routing#tokensOf(int) its tokens} in ascending order
     * (an expert nobody chose may be null or have zero rows).
     *
     * @return {@code [tokens, dim]}
     */
    public static Var combine(Tape t, Routing routing, Var[] expertOutputs, int dim) {
        int e = routing.numExperts(), k = routing.k();
        if (expertOutputs.length != e) throw new IllegalArgumentException("moe combine: " + expertOutputs.length + " outputs for " + e + " experts");
        int[] expertOf = routing.experts();
        int[] rowOf = new int[expertOf.length]; // slot -> row within its expert's output
        int[] counts = new int[e];
        for (int s = 0; s < expertOf.length; s++) rowOf[s] = counts[expertOf[s]]++;
        for (int x = 0; x < e; x++) {
            Var y = expertOutputs[x];
            int rows = y == null ? 0 : y.numel() / Math.max(1, dim);
            if (rows != counts[x] || (y != null && y.numel() != rows * dim)) {
                throw new IllegalArgumentException("moe combine: expert " + x + " was given " + (y == null ? "nothing" : y)
                        + ", expected [" + counts[x] + ", " + dim + "]");
            }
        }
        float[] g = routing.gates().data();
        float[] out = new float[routing.tokens() * dim];
        Parallel.forRange(routing.tokens(), GradMath.rowGrain(dim * k), (s, end) -> {
            for (int tk = s; tk < end; tk++) {
                for (int j = 0; j < k; j++) {
                    int slot = tk * k + j;
                    GradMath.addScaledInto(g[slot], expertOutputs[expertOf[slot]].data(), rowOf[slot] * dim, out, tk * dim, dim);
                }
            }
        });
        Var[] inputs = Arrays.copyOf(expertOutputs, e + 1);
        inputs[e] = routing.gates();
        Var result = t.output(out, new int[] {routing.tokens(), dim}, inputs);
        return t.record(result, () -> {
            if (!result.hasGrad()) return;
            float[] dout = result.grad();
            Var gatesVar = routing.gates();
            float[] dg = gatesVar.requiresGrad() ? gatesVar.grad() : null;
            Parallel.forRange(routing.tokens(), GradMath.rowGrain(dim * k), (s, end) -> {
                for (int tk = s; tk < end; tk++) {
                    for (int j = 0; j < k; j++) {
                        int slot = tk * k + j;
                        Var y = expertOutputs[expertOf[slot]];
                        if (dg != null) dg[slot] += (float) GradMath.dot(dout, tk * dim, y.data(), rowOf[slot] * dim, dim);
                        // each (expert, row) pair belongs to exactly one slot: no two threads write it
                        if (y.requiresGrad()) GradMath.addScaledInto(g[slot], dout, tk * dim, y.grad(), rowOf[slot] * dim, dim);
                    }
                }
            });
        }, inputs);
    }

    /**
     * Switch Transformer load-balancing loss {@code numExperts · Σ_i f_i · P_i}, with
     * {@code f_i} the fraction of tokens whose top-k includes expert i and {@code P_i} the mean
     * router probability (full softmax of {@code logits}) of expert i; 1 for perfect balance at
     * k = 1, k in general (as HF Mixtral's {@code load_balancing_loss_func}). The gradient flows
     * through {@code P} only.
     */
    public static Var loadBalancingLoss(Tape t, Var logits, Routing routing) {
        int n = logits.dim(0), numExperts = logits.dim(1);
        if (routing.tokens() != n || routing.numExperts() != numExperts) {
            throw new IllegalArgumentException("load balancing: routing of " + routing.tokens() + "x" + routing.numExperts()
                    + " for logits " + logits);
        }
        float[] x = logits.data();
        float[] probs = new float[n * numExperts];
        if (n > 0) dev.jllm.tensor.kernel.Softmax.softmaxRows(x, 0, probs, 0, n, numExperts);
        int[] counts = routing.counts();
        float[] a = new float[numExperts]; // d loss / d P_i·(1/n) per row: numExperts · f_i / n
        double loss = 0;
        for (int i = 0; i < numExperts; i++) {
            double f = n == 0 ? 0 : (double) counts[i] / n, p = 0;
            for (int r = 0; r < n; r++) p += probs[r * numExperts + i];
            if (n > 0) p /= n;
            loss += f * p;
            a[i] = n == 0 ? 0 : (float) (numExperts * f / n);
        }
        Var out = t.output(new float[] {(float) (numExperts * loss)}, new int[0], logits);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float seed = out.grad()[0];
            float[] dx = logits.grad();
            Parallel.forRange(n, GradMath.rowGrain(numExperts), (s, e) -> {
                for (int r = s; r < e; r++) {
                    int off = r * numExperts;
                    double dot = 0;
                    for (int i = 0; i < numExperts; i++) dot += (double) a[i] * probs[off + i];
                    for (int i = 0; i < numExperts; i++) dx[off + i] += seed * probs[off + i] * (float) (a[i] - dot);
                }
            });
        }, logits);
    }
}

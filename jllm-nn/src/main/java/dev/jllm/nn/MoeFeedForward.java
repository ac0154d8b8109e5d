package dev.jllm.nn;

import dev.jllm.tensor.kernel.Elementwise;
import dev.jllm.tensor.kernel.ExpertRouting;
import dev.jllm.tensor.kernel.Reduce;

/**
 * A sparse mixture of SwiGLU experts (Mixtral, Qwen-MoE, DeepSeekMoE): a router picks
 * {@code used} experts per token ({@link ExpertRouting.Policy}), the token's output is the
 * weighted sum of their outputs, plus an optional always-on shared expert, itself optionally
 * gated per token by {@code sigmoid(sharedGate . x)} (Qwen-MoE).
 *
 * <p>Tokens are grouped by expert, so each chosen expert runs once per call over all its
 * tokens (matrix x matrix in prefill, matvec in decode). Experts are ordinary
 * {@link SwiGluFeedForward}s, typically over 2-D views of the [experts, rows, cols] tensors of
 * a GGUF file.
 */
public final class MoeFeedForward implements FeedForward {
    private final Linear router;
    private final SwiGluFeedForward[] experts;
    private final ExpertRouting.Policy policy;
    private final SwiGluFeedForward shared;
    private final float[] sharedGate;

    /**
     * @param router [experts, dim], no bias
     * @param shared the shared expert or null
     * @param sharedGate dim weights of the shared expert's sigmoid gate, or null (ungated)
     */
    public MoeFeedForward(Linear router, SwiGluFeedForward[] experts, ExpertRouting.Policy policy,
                          SwiGluFeedForward shared, float[] sharedGate) {
        if (router.out() != experts.length) {
            throw new IllegalArgumentException("router scores " + router.out() + " experts, " + experts.length + " given");
        }
        if (policy.used() > experts.length) {
            throw new IllegalArgumentException(policy.used() + " experts per token but only " + experts.length + " experts");
        }
        for (int e = 0; e < experts.length; e++) {
            if (experts[e].gate().in() != router.in()) {
                throw new IllegalArgumentException("expert " + e + " takes " + experts[e].gate().in() + " inputs, the router " + router.in());
            }
        }
        if (sharedGate != null && (shared == null || sharedGate.length != router.in())) {
            throw new IllegalArgumentException("a shared-expert gate needs a shared expert and " + router.in() + " weights");
        }
        this.router = router;
        this.experts = experts.clone();
        this.policy = policy;
        this.shared = shared;
        this.sharedGate = sharedGate;
    }

    public int experts() { return experts.length; }
    public SwiGluFeedForward expert(int e) { return experts[e]; }
    public ExpertRouting.Policy policy() { return policy; }
    public Linear router() { return router; }
    public SwiGluFeedForward shared() { return shared; }

    @Override
    public void forward(float[] x, int n, float[] y) {
        int dim = router.in(), k = policy.used(), count = experts.length;
        float[] logits = new float[n * count];
        router.forward(x, n, logits);
        int[] chosen = new int[n * k];
        float[] weights = new float[n * k];
        int[] load = new int[count];
        for (int t = 0; t < n; t++) {
            ExpertRouting.route(logits, t * count, count, policy, chosen, t * k, weights, t * k);
            for (int i = 0; i < k; i++) load[chosen[t * k + i]]++;
        }
        java.util.Arrays.fill(y, 0, n * dim, 0f);
        float[] in = new float[n * dim], out = new float[n * dim];
        int[] rows = new int[n];
        float[] rowWeights = new float[n];
        for (int e = 0; e < count; e++) {
            if (load[e] == 0) continue;
            int m = 0;
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < k; i++) {
                    if (chosen[t * k + i] != e) continue;
                    System.arraycopy(x, t * dim, in, m * dim, dim);
                    rows[m] = t;
                    rowWeights[m++] = weights[t * k + i];
                }
            }
            experts[e].forward(in, m, out);
            for (int r = 0; r < m; r++) Elementwise.axpy(rowWeights[r], out, r * dim, y, rows[r] * dim, dim);
        }
        if (shared != null) {
            shared.forward(x, n, out);
            for (int t = 0; t < n; t++) {
                float g = 1f;
                if (sharedGate != null) g = (float) (1.0 / (1.0 + Math.exp(-Reduce.dot(sharedGate, 0, x, t * dim, dim))));
                Elementwise.axpy(g, out, t * dim, y, t * dim, dim);
            }
        }
    }
}

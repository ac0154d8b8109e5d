package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;

import java.util.List;

/**
 * Adam with decoupled weight decay, step for step as torch.optim.AdamW (amsgrad off):
 * {@code p *= 1 - lr·wd} (only where {@link Parameter#decay()}), {@code m = β1·m + (1-β1)·g},
 * {@code v = β2·v + (1-β2)·g²}, {@code p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + ε)}.
 */
public final class AdamW extends AbstractOptimizer {
    public record Config(double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            checkBeta("beta1", beta1);
            checkBeta("beta2", beta2);
            checkNonNegative("eps", eps);
            checkNonNegative("weightDecay", weightDecay);
        }

        /** torch's defaults: β = (0.9, 0.999), ε = 1e-8, weight decay 0.01. */
        public static Config defaults() { return new Config(0.9, 0.999, 1e-8, 0.01); }

        /** Common LLM pretraining settings: β = (0.9, 0.95), ε = 1e-8, weight decay 0.1. */
        public static Config llm() { return new Config(0.9, 0.95, 1e-8, 0.1); }

        public Config withWeightDecay(double wd) { return new Config(beta1, beta2, eps, wd); }
    }

    private final Config config;
    private final float[][] expAvg, expAvgSq;

    public AdamW(List<Parameter> params, Config config) {
        super("adamw", params);
        this.config = config;
        int n = parameters().size();
        expAvg = new float[n][];
        expAvgSq = new float[n][];
        for (int i = 0; i < n; i++) {
            Parameter p = parameters().get(i);
            expAvg[i] = addBuffer(p, "exp_avg", p.shape());
            expAvgSq[i] = addBuffer(p, "exp_avg_sq", p.shape());
        }
    }

    public AdamW(List<Parameter> params) { this(params, Config.defaults()); }

    public Config config() { return config; }

    @Override
    public void step(double lr) {
        checkLr(lr);
        step++;
        double b1 = config.beta1(), b2 = config.beta2();
        // Scalars are formed in double and rounded once, as torch does with Python floats.
        float beta1 = (float) b1, oneMinusBeta1 = (float) (1 - b1);
        float beta2 = (float) b2, oneMinusBeta2 = (float) (1 - b2);
        float negStepSize = (float) -(lr / (1 - Math.pow(b1, step)));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(b2, step));
        float eps = (float) config.eps();
        float decayed = (float) (1 - lr * config.weightDecay());
        for (int i = 0; i < expAvg.length; i++) {
            Parameter p = parameters().get(i);
            float[] w = p.data(), g = p.grad(), m = expAvg[i], v = expAvgSq[i];
            float keep = p.decay() ? decayed : 1f;
            Elementwise.forEach(w.length, (s, e) -> {
                for (int j = s; j < e; j++) {
                    float gj = g[j];
                    float mj = m[j] * beta1 + oneMinusBeta1 * gj;
                    float vj = v[j] * beta2 + oneMinusBeta2 * gj * gj;
                    m[j] = mj;
                    v[j] = vj;
                    float denom = (float) Math.sqrt(vj) / bc2Sqrt + eps;
                    w[j] = w[j] * keep + negStepSize * (mj / denom);
                }
            });
        }
    }
}

package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;

import java.util.List;

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"):
 * {@code p *= 1 - lr·wd} (only where {@link Parameter#decay()}),
 * {@code p -= lr·sign(β1·m + (1-β1)·g)}, then {@code m = β2·m + (1-β2)·g}.
 * One buffer per parameter and a fixed-magnitude update, so use a learning rate 3–10× below
 * AdamW's and a weight decay 3–10× above it.
 */
public final class Lion extends AbstractOptimizer {
    public record Config(double beta1, double beta2, double weightDecay) {
        public Config {
            checkBeta("beta1", beta1);
            checkBeta("beta2", beta2);
            checkNonNegative("weightDecay", weightDecay);
        }

        /** The paper's defaults: β = (0.9, 0.99), no weight decay. */
        public static Config defaults() { return new Config(0.9, 0.99, 0.0); }

        public Config withWeightDecay(double wd) { return new Config(beta1, beta2, wd); }
    }

    private final Config config;
    private final float[][] expAvg;

    public Lion(List<Parameter> params, Config config) {
        super("lion", params);
        this.config = config;
        expAvg = new float[parameters().size()][];
        for (int i = 0; i < expAvg.length; i++) {
            Parameter p = parameters().get(i);
            expAvg[i] = addBuffer(p, "exp_avg", p.shape());
        }
    }

    public Config config() { return config; }

    /**
     * torch.sign (and Math.signum) for floats: ±1 from the sign bit, ±0 for ±0, NaN for NaN. Built from the bits
     * with two selects because C2 compiles Math.signum in this loop to something ~5x slower.
     */
    static float sign(float c) {
        float s = Float.intBitsToFloat((Float.floatToRawIntBits(c) & 0x8000_0000) | 0x3f80_0000);
        if (c == 0f) s = c;
        if (c != c) s = c;
        return s;
    }

    @Override
    public void step(double lr) {
        checkLr(lr);
        float beta1 = (float) config.beta1(), oneMinusBeta1 = (float) (1 - config.beta1());
        float beta2 = (float) config.beta2(), oneMinusBeta2 = (float) (1 - config.beta2());
        float negLr = (float) -lr;
        float decayed = (float) (1 - lr * config.weightDecay());
        for (int i = 0; i < expAvg.length; i++) {
            Parameter p = parameters().get(i);
            float[] w = p.data(), g = p.grad(), m = expAvg[i];
            float keep = p.decay() ? decayed : 1f;
            Elementwise.forEach(w.length, (s, e) -> {
                for (int j = s; j < e; j++) {
                    float gj = g[j], mj = m[j];
                    float direction = sign(mj * beta1 + oneMinusBeta1 * gj);
                    w[j] = w[j] * keep + negLr * direction;
                    m[j] = mj * beta2 + oneMinusBeta2 * gj;
                }
            });
        }
        step++;
    }
}

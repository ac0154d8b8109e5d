package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;

import java.util.List;

/**
 * Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD:
 * {@code d = g + wd·p} (coupled L2 decay, only where {@link Parameter#decay()}),
 * {@code buf = d} on the first step and {@code μ·buf + (1-dampening)·d} afterwards,
 * {@code d = d + μ·buf} (Nesterov) or {@code buf}, then {@code p -= lr·d}.
 */
public final class Sgd extends AbstractOptimizer {
    /** @param momentum μ (0 disables the buffer), @param weightDecay coupled L2 coefficient */
    public record Config(double momentum, double dampening, boolean nesterov, double weightDecay) {
        public Config {
            checkNonNegative("momentum", momentum);
            checkNonNegative("dampening", dampening);
            checkNonNegative("weightDecay", weightDecay);
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("Nesterov momentum needs momentum > 0 and dampening 0");
            }
        }

        /** Plain SGD: no momentum, no decay. */
        public static Config plain() { return new Config(0, 0, false, 0); }

        /** Heavy-ball momentum, Nesterov off, no decay. */
        public static Config momentum(double momentum) { return new Config(momentum, 0, false, 0); }
    }

    private final Config config;
    private final float[][] buf;

    public Sgd(List<Parameter> params, Config config) {
        super("sgd", params);
        this.config = config;
        buf = new float[parameters().size()][];
        if (config.momentum() != 0) {
            for (int i = 0; i < buf.length; i++) {
                Parameter p = parameters().get(i);
                buf[i] = addBuffer(p, "momentum_buffer", p.shape());
            }
        }
    }

    public Config config() { return config; }

    @Override
    public void step(double lr) {
        checkLr(lr);
        boolean first = step == 0;
        float mu = (float) config.momentum();
        float keep = (float) (1 - config.dampening());
        float negLr = (float) -lr;
        boolean momentum = config.momentum() != 0, nesterov = config.nesterov();
        for (int i = 0; i < buf.length; i++) {
            Parameter p = parameters().get(i);
            float[] w = p.data(), g = p.grad(), b = buf[i];
            float wd = p.decay() ? (float) config.weightDecay() : 0f;
            Elementwise.forEach(w.length, (s, e) -> {
                for (int j = s; j < e; j++) {
                    float d = wd != 0f ? g[j] + wd * w[j] : g[j];
                    if (momentum) {
                        float m = first ? d : b[j] * mu + keep * d;
                        b[j] = m;
                        d = nesterov ? d + mu * m : m;
                    }
                    w[j] = w[j] + negLr * d;
                }
            });
        }
        step++;
    }
}

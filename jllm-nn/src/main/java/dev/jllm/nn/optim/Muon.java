package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import dev.jllm.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Muon (Keller Jordan, 2024): momentum whose update for each 2-D weight is orthogonalized by
 * {@link NewtonSchulz} before it is applied.
 * <pre>
 *   m = lerp(m, g, 1-β);   U = nesterov ? lerp(g, m, β) : m
 *   O = NewtonSchulz5(U) · √max(1, rows/cols)
 *   p *= 1 - lr·wd (where decay());   p -= lr·O
 * </pre>
 * Parameters that are not matrices, and the ones the routing predicate picks (by default token
 * embeddings and the output head, whose rows are looked up or scored one by one rather than
 * acting as a linear map), are stepped by an inner {@link AdamW} at {@code lr · adamwLrRatio}.
 * Tensors of rank &gt; 2 sent to Muon are treated as {@code [dim0, rest]} matrices.
 */
public final class Muon extends AbstractOptimizer {
    /**
     * @param adamwLrRatio the inner AdamW's learning rate as a fraction of Muon's
     *                     (the reference pairs Muon lr 0.02 with AdamW lr 3e-4: 0.015)
     */
    public record Config(double momentum, boolean nesterov, int nsSteps, double weightDecay,
                         double adamwLrRatio, AdamW.Config adamw) {
        public Config {
            checkBeta("momentum", momentum);
            if (nsSteps < 1) throw new IllegalArgumentException("nsSteps must be >= 1, got " + nsSteps);
            checkNonNegative("weightDecay", weightDecay);
            checkNonNegative("adamwLrRatio", adamwLrRatio);
            if (adamw == null) throw new IllegalArgumentException("inner AdamW config is required");
        }

        /** The reference's: β 0.95 Nesterov, 5 steps, no decay; inner AdamW β (0.9, 0.95), ε 1e-10, no decay. */
        public static Config defaults() {
            return new Config(0.95, true, 5, 0, 0.015, new AdamW.Config(0.9, 0.95, 1e-10, 0));
        }

        public Config withWeightDecay(double wd) {
            return new Config(momentum, nesterov, nsSteps, wd, adamwLrRatio, adamw.withWeightDecay(wd));
        }
    }

    /** True for parameters the inner AdamW should own: not a matrix, or an embedding / output head by name. */
    public static boolean defaultAdamWRouting(Parameter p) {
        if (p.shape().length != 2) return true;
        String n = p.name();
        return n.startsWith("token_embd") || n.equals("output.weight") || n.contains("embed") || n.contains("lm_head")
                || n.contains("wte") || n.contains("wpe");
    }

    private final Config config;
    private final List<Parameter> matrices = new ArrayList<>();
    private final List<float[]> momentumBuffers = new ArrayList<>();
    private final List<NewtonSchulz> workspaces = new ArrayList<>();
    private final AdamW inner;
    private float[] scratch = new float[0];

    public Muon(List<Parameter> params, Predicate<Parameter> useAdamW, Config config) {
        super("muon", params);
        this.config = config;
        List<Parameter> rest = new ArrayList<>();
        Map<String, NewtonSchulz> byShape = new LinkedHashMap<>();
        for (Parameter p : parameters()) {
            long[] shape = p.shape();
            if (useAdamW.test(p)) {
                rest.add(p);
                continue;
            }
            if (shape.length < 2) {
                throw new IllegalArgumentException("Muon orthogonalizes matrices; " + p.name() + " has rank " + shape.length
                        + " (route it to the inner AdamW)");
            }
            int rows = Math.toIntExact(shape[0]), cols = p.numel() / Math.max(1, rows);
            matrices.add(p);
            momentumBuffers.add(addBuffer(p, "momentum_buffer", shape));
            workspaces.add(byShape.computeIfAbsent(rows + "x" + cols, k -> new NewtonSchulz(rows, cols)));
            scratch = scratch.length >= p.numel() ? scratch : new float[p.numel()];
        }
        inner = new AdamW(rest, config.adamw());
    }

    public Muon(List<Parameter> params, Config config) { this(params, Muon::defaultAdamWRouting, config); }

    public Muon(List<Parameter> params) { this(params, Config.defaults()); }

    public Config config() { return config; }

    /** The parameters Muon orthogonalizes (the rest go to the inner AdamW). */
    public List<Parameter> matrices() { return List.copyOf(matrices); }

    @Override
    public void step(double lr) {
        checkLr(lr);
        float beta = (float) config.momentum(), oneMinusBeta = (float) (1 - config.momentum());
        float negLr = (float) -lr;
        float decayed = (float) (1 - lr * config.weightDecay());
        for (int i = 0; i < matrices.size(); i++) {
            Parameter p = matrices.get(i);
            float[] w = p.data(), g = p.grad(), m = momentumBuffers.get(i), u = scratch;
            boolean nesterov = config.nesterov();
            Elementwise.forEach(w.length, (s, e) -> {
                for (int j = s; j < e; j++) {
                    float mj = lerp(m[j], g[j], oneMinusBeta);
                    m[j] = mj;
                    u[j] = nesterov ? lerp(g[j], mj, beta) : mj;
                }
            });
            workspaces.get(i).apply(u, u, config.nsSteps());
            long[] shape = p.shape();
            float scale = (float) Math.sqrt(Math.max(1.0, (double) shape[0] / (p.numel() / shape[0])));
            float keep = p.decay() ? decayed : 1f;
            Elementwise.forEach(w.length, (s, e) -> {
                for (int j = s; j < e; j++) w[j] = w[j] * keep + negLr * (u[j] * scale);
            });
        }
        inner.step(lr * config.adamwLrRatio());
        step++;
    }

    /** torch.lerp's two-sided formula (exact at both ends). */
    private static float lerp(float from, float to, float weight) {
        return weight < 0.5f ? from + weight * (to - from) : to - (to - from) * (1 - weight);
    }

    @Override
    public OptimizerState exportState() {
        Map<String, Tensor> all = new LinkedHashMap<>(copyBuffers());
        all.putAll(inner.exportState().buffers());
        return new OptimizerState(kind(), step, all);
    }

    @Override
    public void importState(OptimizerState state) {
        checkKind(state);
        int consumed = loadBuffers(state.buffers()) + inner.loadBuffers(state.buffers());
        checkNoExtra(state, consumed);
        step = state.step();
        inner.step = state.step();
    }
}

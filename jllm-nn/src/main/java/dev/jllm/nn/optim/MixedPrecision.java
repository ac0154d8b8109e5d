package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import dev.jllm.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * BF16 weights with F32 master weights. The model's parameters hold values rounded to
 * bfloat16 (round to nearest even, stored in their F32 arrays so every layer reads them
 * unchanged); an F32 master copy of each is what the wrapped optimizer actually steps. After
 * every step the masters are rounded back into the model. Gradients are shared, not copied.
 *
 * <p>Small updates that a BF16 weight cannot represent accumulate in the master instead of
 * being lost, which is why the master is kept. The exported state carries the masters
 * ({@code <name>.master}) so a restore is bit-exact.
 */
public final class MixedPrecision implements Optimizer {
    private final List<Parameter> model;
    private final List<Parameter> masters = new ArrayList<>();
    private final Optimizer inner;

    /**
     * Copies the current model values into masters, builds the inner optimizer over the masters
     * with {@code factory} (e.g. {@code ps -> new AdamW(ps, cfg)}), and rounds the model to BF16.
     */
    public MixedPrecision(List<Parameter> model, Function<List<Parameter>, Optimizer> factory) {
        this.model = List.copyOf(model);
        for (Parameter p : this.model) {
            masters.add(new Parameter(p.name(), Tensor.of(p.data().clone(), p.shape()), p.grad(), p.decay()));
        }
        inner = factory.apply(List.copyOf(masters));
        if (inner.parameters().size() != masters.size()) {
            throw new IllegalArgumentException("the inner optimizer must own every master parameter");
        }
        publish();
    }

    /** {@code v} rounded to the nearest bfloat16 (ties to even), as a float. */
    public static float roundToBF16(float v) {
        return Float.intBitsToFloat((Tensor.toBF16(v) & 0xffff) << 16);
    }

    @Override public String kind() { return "bf16/" + inner.kind(); }
    @Override public List<Parameter> parameters() { return model; }
    @Override public long stepCount() { return inner.stepCount(); }

    /** The F32 master parameters the inner optimizer updates. */
    public List<Parameter> masters() { return List.copyOf(masters); }

    public Optimizer inner() { return inner; }

    @Override
    public void step(double lr) {
        inner.step(lr);
        publish();
    }

    /** Rounds every master into its model parameter. */
    private void publish() {
        for (int i = 0; i < masters.size(); i++) {
            float[] src = masters.get(i).data(), dst = model.get(i).data();
            Elementwise.forEach(src.length, (s, e) -> {
                for (int j = s; j < e; j++) dst[j] = roundToBF16(src[j]);
            });
        }
    }

    @Override
    public OptimizerState exportState() {
        OptimizerState in = inner.exportState();
        Map<String, Tensor> all = new LinkedHashMap<>(in.buffers());
        for (Parameter m : masters) {
            String name = m.name() + ".master";
            if (all.containsKey(name)) throw new IllegalStateException("inner optimizer already uses buffer name " + name);
            all.put(name, Tensor.of(m.data().clone(), m.shape()));
        }
        return new OptimizerState(kind(), in.step(), all);
    }

    @Override
    public void importState(OptimizerState state) {
        if (!kind().equals(state.kind())) {
            throw new IllegalArgumentException("optimizer state is for " + state.kind() + ", this optimizer is " + kind());
        }
        Map<String, Tensor> rest = new LinkedHashMap<>(state.buffers());
        List<float[]> values = new ArrayList<>();
        for (Parameter m : masters) {
            Tensor t = rest.remove(m.name() + ".master");
            if (t == null) throw new IllegalArgumentException(kind() + " state lacks buffer " + m.name() + ".master");
            if (t.numel() != m.numel()) {
                throw new IllegalArgumentException(kind() + " state buffer " + m.name() + ".master has " + t.numel()
                        + " floats, expected " + m.numel());
            }
            values.add(t.toFloatArray());
        }
        inner.importState(new OptimizerState(inner.kind(), state.step(), rest));
        for (int i = 0; i < masters.size(); i++) {
            float[] v = values.get(i);
            System.arraycopy(v, 0, masters.get(i).data(), 0, v.length);
        }
        publish();
    }
}

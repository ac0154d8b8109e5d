package dev.jllm.nn.optim;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of an optimizer: its kind, step counter and named F32 buffers.
 *
 * <p>Buffer names are {@code <parameter name>.<slot>} (e.g. {@code blk.0.attn_q.weight.exp_avg}),
 * so the buffers can be written directly as safetensors tensors; {@link #metadata()} carries
 * the kind and step as string metadata, and {@link #fromCheckpoint} reverses both.
 *
 * @param kind    the {@link Optimizer#kind()} that produced it
 * @param step    the optimizer's step counter
 * @param buffers name → contiguous heap F32 tensor, in a stable order
 */
public record OptimizerState(String kind, long step, Map<String, Tensor> buffers) {
    public static final String KIND_KEY = "optimizer.kind";
    public static final String STEP_KEY = "optimizer.step";

    public OptimizerState {
        if (kind == null || kind.isEmpty()) throw new IllegalArgumentException("optimizer state needs a kind");
        if (step < 0) throw new IllegalArgumentException("optimizer state step must be >= 0, got " + step);
        LinkedHashMap<String, Tensor> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException("optimizer buffer " + e.getKey() + " must be F32, got " + t.dtype());
            }
            copy.put(e.getKey(), t);
        }
        buffers = Collections.unmodifiableMap(copy);
    }

    /** String metadata ({@value #KIND_KEY}, {@value #STEP_KEY}) to store next to the buffers. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KIND_KEY, kind);
        m.put(STEP_KEY, Long.toString(step));
        return m;
    }

    /** Rebuilds a state from checkpoint metadata and tensors (any F32 tensors, copied to the heap). */
    public static OptimizerState fromCheckpoint(Map<String, String> metadata, Map<String, Tensor> tensors) {
        String kind = metadata.get(KIND_KEY);
        String step = metadata.get(STEP_KEY);
        if (kind == null || step == null) {
            throw new IllegalArgumentException("checkpoint metadata lacks " + KIND_KEY + " or " + STEP_KEY + ": " + metadata.keySet());
        }
        long s;
        try {
            s = Long.parseLong(step);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint metadata " + STEP_KEY + " is not an integer: " + step);
        }
        LinkedHashMap<String, Tensor> heap = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException("optimizer buffer " + e.getKey() + " must be F32, got " + t.dtype());
            }
            heap.put(e.getKey(), Tensor.of(t.toFloatArray(), t.shape()));
        }
        return new OptimizerState(kind, s, heap);
    }

    /** Total floats held by the buffers. */
    public long floats() {
        long n = 0;
        for (Tensor t : buffers.values()) n += t.numel();
        return n;
    }

    @Override
    public String toString() {
        return "OptimizerState[" + kind + ", step " + step + ", " + buffers.size() + " buffers, " + floats() + " floats]";
    }

    static String describe(Tensor t) { return Arrays.toString(t.shape()); }
}

package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import dev.jllm.tensor.Tensor;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shared bookkeeping: the parameter list, the step counter and named state buffers that
 * export and import generically. Subclasses allocate their buffers in the constructor.
 */
abstract class AbstractOptimizer implements Optimizer {
    private final String kind;
    private final List<Parameter> params;
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    long step;

    AbstractOptimizer(String kind, List<Parameter> params) {
        this.kind = kind;
        this.params = List.copyOf(params);
        Set<String> names = new HashSet<>();
        for (Parameter p : this.params) {
            if (!names.add(p.name())) throw new IllegalArgumentException(kind + ": parameter name " + p.name() + " appears twice");
        }
    }

    @Override public final String kind() { return kind; }
    @Override public final List<Parameter> parameters() { return params; }
    @Override public final long stepCount() { return step; }

    /** Registers a zero buffer {@code <param>.<slot>} of the given shape and returns its storage. */
    final float[] addBuffer(Parameter p, String slot, long... shape) {
        String name = p.name() + "." + slot;
        Tensor t = Tensor.zeros(shape);
        if (buffers.putIfAbsent(name, t) != null) throw new IllegalStateException("buffer " + name + " registered twice");
        return t.heapArray();
    }

    /** Deep copies of this optimizer's own buffers, in registration order. */
    final Map<String, Tensor> copyBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor t = e.getValue();
            out.put(e.getKey(), Tensor.of(t.heapArray().clone(), t.shape()));
        }
        return out;
    }

    /** Copies this optimizer's buffers out of {@code from}; returns how many names it consumed. */
    final int loadBuffers(Map<String, Tensor> from) {
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor src = from.get(e.getKey());
            Tensor dst = e.getValue();
            if (src == null) throw new IllegalArgumentException(kind + " state lacks buffer " + e.getKey());
            if (!Arrays.equals(src.shape(), dst.shape())) {
                throw new IllegalArgumentException(kind + " state buffer " + e.getKey() + " has shape "
                        + Arrays.toString(src.shape()) + ", expected " + Arrays.toString(dst.shape()));
            }
            float[] data = src.isHeap() && src.isContiguous() && src.offset() == 0 ? src.heapArray() : src.toFloatArray();
            System.arraycopy(data, 0, dst.heapArray(), 0, data.length);
        }
        return buffers.size();
    }

    @Override
    public OptimizerState exportState() {
        return new OptimizerState(kind, step, copyBuffers());
    }

    @Override
    public void importState(OptimizerState state) {
        checkKind(state);
        checkNoExtra(state, loadBuffers(state.buffers()));
        step = state.step();
    }

    final void checkKind(OptimizerState state) {
        if (!kind.equals(state.kind())) {
            throw new IllegalArgumentException("optimizer state is for " + state.kind() + ", this optimizer is " + kind);
        }
    }

    static void checkNoExtra(OptimizerState state, int consumed) {
        if (consumed != state.buffers().size()) {
            throw new IllegalArgumentException(state.kind() + " state has " + state.buffers().size()
                    + " buffers but the optimizer uses " + consumed + " (parameters differ?)");
        }
    }

    static void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
    }

    static void checkBeta(String what, double b) {
        if (!(b >= 0 && b < 1)) throw new IllegalArgumentException(what + " must be in [0,1), got " + b);
    }

    static void checkNonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
    }
}

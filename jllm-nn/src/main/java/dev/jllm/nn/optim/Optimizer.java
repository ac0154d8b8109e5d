package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;

import java.util.List;

/**
 * Updates a fixed list of {@link Parameter}s in place from their accumulated gradients.
 *
 * <p>{@link #step(double)} reads {@code grad} and never clears it: a trainer that accumulates
 * gradients over several micro-batches calls {@link #zeroGrad()} itself after the step. The
 * learning rate is passed on every step so any {@link LrSchedule} (or none) can drive it.
 *
 * <p>All mutable state (moment buffers and the step counter) round-trips through
 * {@link #exportState()} / {@link #importState(OptimizerState)}: restoring into a freshly built
 * optimizer over the same parameters continues bit for bit as if it had never stopped.
 */
public interface Optimizer {
    /** A short stable identifier ("adamw", "sgd", ...) stored with exported state. */
    String kind();

    /** The parameters this optimizer updates, in construction order. */
    List<Parameter> parameters();

    /** Applies one update with learning rate {@code lr} (the peak-scaled value from a schedule). */
    void step(double lr);

    /** Number of {@link #step(double)} calls so far (restored by {@link #importState}). */
    long stepCount();

    /** Clears every parameter's gradient. */
    default void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** A deep copy of the optimizer state: named F32 buffers plus the step counter. */
    OptimizerState exportState();

    /**
     * Replaces the state with {@code state} (deep-copied). Throws if it belongs to another
     * optimizer kind or its buffer names and shapes differ from this optimizer's.
     */
    void importState(OptimizerState state);
}

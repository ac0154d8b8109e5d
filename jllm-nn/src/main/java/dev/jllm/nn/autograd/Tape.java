package dev.jllm.nn.autograd;

import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode automatic differentiation as a tape: each op computes its output eagerly and
 * records a closure that, given the output's gradient, accumulates the inputs' gradients.
 * {@link #backward} replays the closures newest first. One tape per forward pass; it is not
 * thread-safe (ops parallelize inside, over the shared {@code Parallel} team).
 */
public final class Tape {
    private final List<Runnable> backwards = new ArrayList<>();
    private boolean recording = true;

    /** Records {@code backward} if any input needs a gradient; returns {@code out} for chaining. */
    public Var record(Var out, Runnable backward, Var... inputs) {
        if (!recording) return out;
        for (Var in : inputs) {
            if (in != null && in.requiresGrad()) {
                backwards.add(backward);
                return out;
            }
        }
        return out;
    }

    /** Whether ops should keep what their backward needs (false in evaluation). */
    public boolean recording() { return recording; }

    /** Turns recording off (evaluation) or on. */
    public Tape recording(boolean on) { recording = on; return this; }

    /** Seeds {@code d loss = seed} (loss must be a scalar) and runs every recorded backward, newest first. */
    public void backward(Var loss, float seed) {
        if (loss.numel() != 1) throw new IllegalArgumentException("backward starts from a scalar, got " + loss);
        loss.grad()[0] += seed;
        for (int i = backwards.size() - 1; i >= 0; i--) backwards.get(i).run();
        backwards.clear();
    }

    /** Whether an op over {@code inputs} must record a backward step (recording, and some input needs a gradient). */
    public boolean needsGrad(Var... inputs) {
        if (!recording) return false;
        for (Var in : inputs) if (in != null && in.requiresGrad()) return true;
        return false;
    }

    /**
     * The output value of an op over {@code inputs}: one that receives a gradient if the op is
     * recorded ({@link #needsGrad}), else a constant (evaluation allocates no gradient buffers).
     */
    public Var output(float[] data, int[] shape, Var... inputs) {
        return needsGrad(inputs) ? Var.of(data, shape) : Var.constant(data, shape);
    }

    /**
     * Runs every recorded backward, newest first, from a non-scalar value whose gradient is
     * {@code gradOut} (added to any gradient it already has). Gradient checks and
     * pipelines that start from an intermediate use it.
     */
    public void backward(Var out, float[] gradOut) {
        if (gradOut.length != out.numel()) {
            throw new IllegalArgumentException("gradient of " + out + " needs " + out.numel() + " values, got " + gradOut.length);
        }
        float[] g = out.grad();
        for (int i = 0; i < g.length; i++) g[i] += gradOut[i];
        for (int i = backwards.size() - 1; i >= 0; i--) backwards.get(i).run();
        backwards.clear();
    }

    /** Drops every recorded step without running it (an evaluation pass that recorded by mistake, or an abort). */
    public void clear() { backwards.clear(); }

    /** Number of recorded backward steps (for tests and memory accounting). */
    public int size() { return backwards.size(); }
}

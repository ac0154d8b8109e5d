package dev.jllm.nn;

import dev.jllm.tensor.kernel.Activations;

/** The gated feed-forward of Llama-family blocks: {@code down(silu(gate(x)) * up(x))}. */
public final class SwiGluFeedForward implements FeedForward {
    private final Linear gate;
    private final Linear up;
    private final Linear down;

    public SwiGluFeedForward(Linear gate, Linear up, Linear down) {
        if (gate.out() != up.out() || down.in() != gate.out() || gate.in() != up.in()) {
            throw new IllegalArgumentException("feed-forward shapes disagree: gate " + gate.out() + "x" + gate.in() + ", up "
                    + up.out() + "x" + up.in() + ", down " + down.out() + "x" + down.in());
        }
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    public Linear gate() { return gate; }
    public Linear up() { return up; }
    public Linear down() { return down; }
    public int hidden() { return gate.out(); }

    /** {@code y[n, dim] = FFN(x[n, dim])}. */
    public void forward(float[] x, int n, float[] y) {
        float[] g = new float[n * hidden()], u = new float[n * hidden()];
        gate.forward(x, n, g);
        up.forward(x, n, u);
        Activations.swiglu(g, 0, u, 0, g, 0, n * hidden());
        down.forward(g, n, y);
    }
}

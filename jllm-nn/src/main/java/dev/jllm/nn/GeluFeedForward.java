package dev.jllm.nn;

import dev.jllm.tensor.kernel.Activations;

/** The MLP of GPT-2-style blocks: {@code down(gelu(up(x)))} with biases, GELU in its tanh form (HF's gelu_new). */
public final class GeluFeedForward implements FeedForward {
    private final Linear up;
    private final Linear down;

    public GeluFeedForward(Linear up, Linear down) {
        if (down.in() != up.out() || down.out() != up.in()) {
            throw new IllegalArgumentException("MLP shapes disagree: up " + up.out() + "x" + up.in() + ", down "
                    + down.out() + "x" + down.in());
        }
        this.up = up;
        this.down = down;
    }

    public Linear up() { return up; }
    public Linear down() { return down; }

    @Override
    public void forward(float[] x, int n, float[] y) {
        float[] h = new float[n * up.out()];
        up.forward(x, n, h);
        Activations.geluTanh(h, 0, h, 0, h.length);
        down.forward(h, n, y);
    }
}

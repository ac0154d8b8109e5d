package dev.jllm.nn;

/** The position-wise feed-forward part of a transformer block: dense (SwiGLU, GELU MLP) or a mixture of experts. */
public interface FeedForward {
    /** {@code y[n, dim] = FFN(x[n, dim])} for {@code n} rows. */
    void forward(float[] x, int n, float[] y);
}

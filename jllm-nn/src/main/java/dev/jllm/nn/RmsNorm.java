package dev.jllm.nn;

import dev.jllm.tensor.kernel.Norms;

/** RMSNorm over rows of {@code dim} floats: {@code x / sqrt(mean(x^2) + eps) * weight}. */
public final class RmsNorm {
    private final float[] weight;
    private final float eps;

    public RmsNorm(float[] weight, float eps) {
        this.weight = weight;
        this.eps = eps;
    }

    public int dim() { return weight.length; }
    public float[] weight() { return weight; }
    public float eps() { return eps; }

    /** Normalizes {@code rows} rows of {@link #dim()} floats; {@code y} may be {@code x}. */
    public void forward(float[] x, int xOff, float[] y, int yOff, int rows) {
        Norms.rmsNormRows(x, xOff, weight, 0, y, yOff, rows, weight.length, eps);
    }
}

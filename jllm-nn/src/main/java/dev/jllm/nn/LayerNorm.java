package dev.jllm.nn;

import dev.jllm.tensor.kernel.Norms;

/** LayerNorm over rows of {@code dim} floats: {@code (x - mean) / sqrt(var + eps) * weight + bias}. */
public final class LayerNorm {
    private final float[] weight;
    private final float[] bias;
    private final float eps;

    public LayerNorm(float[] weight, float[] bias, float eps) {
        if (bias.length != weight.length) {
            throw new IllegalArgumentException("LayerNorm bias has " + bias.length + " values, weight " + weight.length);
        }
        this.weight = weight;
        this.bias = bias;
        this.eps = eps;
    }

    public int dim() { return weight.length; }

    /** Normalizes {@code rows} rows of {@link #dim()} floats; {@code y} may be {@code x}. */
    public void forward(float[] x, int xOff, float[] y, int yOff, int rows) {
        Norms.layerNormRows(x, xOff, weight, 0, bias, 0, y, yOff, rows, weight.length, eps);
    }
}

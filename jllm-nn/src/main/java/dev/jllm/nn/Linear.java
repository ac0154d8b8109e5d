package dev.jllm.nn;

import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Elementwise;
import dev.jllm.tensor.kernel.MatVec;
import dev.jllm.tensor.kernel.QuantMatMul;

/**
 * {@code y[n, out] = x[n, in] . W^T (+ bias)} with W of any dtype (F32, F16, ggml blocks),
 * kept in its file dtype. One token runs the matvec kernel (decode); several run matrix x
 * matrix (prefill). An {@link Adapter} (LoRA later) adds its term after the base product.
 */
public final class Linear {
    /** An extra term added to a linear layer's output, e.g. a LoRA {@code B . A . x}. */
    public interface Adapter {
        /** Adds this adapter's contribution for {@code n} rows of {@code x} into {@code y}. */
        void addTo(float[] x, int n, float[] y);
    }

    private final Tensor weight;
    private final float[] bias;
    private volatile Adapter adapter;

    /** @param bias null for none, else {@code out} floats */
    public Linear(Tensor weight, float[] bias) {
        if (weight.rank() != 2) throw new IllegalArgumentException("a linear weight must be [out, in], got rank " + weight.rank());
        if (bias != null && bias.length != weight.dim(0)) {
            throw new IllegalArgumentException("bias has " + bias.length + " values, the weight has " + weight.dim(0) + " rows");
        }
        this.weight = weight;
        this.bias = bias;
    }

    public int in() { return (int) weight.dim(1); }
    public int out() { return (int) weight.dim(0); }
    public Tensor weight() { return weight; }
    public float[] bias() { return bias; }

    /** Attaches (or with null detaches) an adapter. */
    public void adapter(Adapter a) { this.adapter = a; }

    /** {@code y[0 .. n*out) = x[0 .. n*in) . W^T + bias}. */
    public void forward(float[] x, int n, float[] y) {
        if (n == 1) MatVec.matvec(weight, x, 0, y, 0);
        else QuantMatMul.matmul(weight, x, 0, n, y, 0);
        if (bias != null) {
            for (int r = 0; r < n; r++) Elementwise.add(y, r * bias.length, bias, 0, y, r * bias.length, bias.length);
        }
        Adapter a = adapter;
        if (a != null) a.addTo(x, n, y);
    }
}

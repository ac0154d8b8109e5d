package dev.jllm.nn;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

/**
 * A trainable weight: a heap F32 tensor (the same array the inference layers read, so an
 * optimizer step is visible to the next forward at once) plus its gradient buffer.
 *
 * @param name  the tensor's name in the model's file vocabulary (GGUF names, e.g. {@code blk.0.attn_q.weight})
 * @param value F32, contiguous, heap-backed
 * @param grad  same length as {@code value}; gradients accumulate here until {@link #zeroGrad()}
 * @param decay whether decoupled weight decay applies (by default: 2-D matrices yes; norms, biases, embeddings no)
 */
public record Parameter(String name, Tensor value, float[] grad, boolean decay) {
    public Parameter {
        if (value.dtype() != DType.F32 || !value.isHeap() || !value.isContiguous() || value.offset() != 0) {
            throw new IllegalArgumentException("parameter " + name + " must be a contiguous heap F32 tensor, got " + value);
        }
        if (grad.length != value.numel()) {
            throw new IllegalArgumentException("parameter " + name + ": gradient has " + grad.length + " floats, value " + value.numel());
        }
    }

    /** A parameter over {@code value} with a fresh zero gradient. */
    public static Parameter of(String name, Tensor value, boolean decay) {
        return new Parameter(name, value, new float[Math.toIntExact(value.numel())], decay);
    }

    /** The values, updated in place by optimizers. */
    public float[] data() { return value.heapArray(); }

    public int numel() { return grad.length; }

    public long[] shape() { return value.shape(); }

    public void zeroGrad() { java.util.Arrays.fill(grad, 0f); }
}

package dev.jllm.nn.autograd;

import dev.jllm.nn.Parameter;
import java.util.Arrays;

/**
 * A node of the computation graph: a row-major F32 value with a shape, and (if it requires
 * a gradient) a gradient buffer of the same size, allocated on first use. A {@link Var} made
 * from a {@link Parameter} shares the parameter's value and gradient arrays, so backward
 * accumulates straight into the parameter.
 */
public final class Var {
    private final float[] data;
    private final int[] shape;
    private final boolean requiresGrad;
    private float[] grad;

    private Var(float[] data, int[] shape, boolean requiresGrad, float[] grad) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
        this.requiresGrad = requiresGrad;
        this.grad = grad;
    }

    /** A value no gradient flows into (inputs, masks). */
    public static Var constant(float[] data, int... shape) { return new Var(data, shape, false, null); }

    /** A leaf or intermediate value that receives a gradient. */
    public static Var of(float[] data, int... shape) { return new Var(data, shape, true, null); }

    /** A leaf sharing a parameter's value and gradient arrays. */
    public static Var of(Parameter p) {
        long[] s = p.shape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = Math.toIntExact(s[i]);
        return new Var(p.data(), shape, true, p.grad());
    }

    public float[] data() { return data; }
    public int[] shape() { return shape.clone(); }
    public int dim(int d) { return shape[d < 0 ? shape.length + d : d]; }
    public int rank() { return shape.length; }
    public int numel() { return data.length; }
    public boolean requiresGrad() { return requiresGrad; }

    /** The gradient buffer (zeros until backward writes it); only for values that require one. */
    public float[] grad() {
        if (!requiresGrad) throw new IllegalStateException("this value does not require a gradient");
        if (grad == null) grad = new float[data.length];
        return grad;
    }

    /** Whether a gradient buffer exists yet (ops skip work for inputs nobody differentiated). */
    public boolean hasGrad() { return grad != null; }

    @Override
    public String toString() { return "Var" + Arrays.toString(shape) + (requiresGrad ? " (grad)" : ""); }
}

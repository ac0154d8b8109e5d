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

    /** The element count of {@code shape}, with a clear error for negative or overflowing dims. */
    public static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large");
        }
        return (int) n;
    }

    /**
     * The same values under another shape, sharing this value's data and (when it requires one)
     * its gradient buffer, so a reshape costs nothing and needs no backward step. One dimension
     * may be -1 and is then inferred.
     */
    public Var reshaped(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(newShape));
                infer = i;
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || data.length % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(newShape));
            }
            s[infer] = (int) (data.length / known);
        }
        if (numel(s) != data.length) {
            throw new IllegalArgumentException("cannot reshape " + this + " (" + data.length + " values) to "
                    + Arrays.toString(newShape));
        }
        return new Var(data, s, requiresGrad, requiresGrad ? grad() : null);
    }

    /** This value without a gradient path (the result shares the data; nothing flows back). */
    public Var detached() { return new Var(data, shape, false, null); }

    @Override
    public String toString() { return "Var" + Arrays.toString(shape) + (requiresGrad ? " (grad)" : ""); }
}

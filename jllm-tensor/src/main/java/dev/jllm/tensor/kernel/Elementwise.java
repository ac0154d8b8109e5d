package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise arithmetic over {@code float[]} slices of {@code n} elements. Outputs may alias
 * inputs (same array and offset); overlapping but shifted slices are not supported.
 */
public final class Elementwise {
    private Elementwise() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int GRAIN = 32 * 1024;

    /** {@code out = a + b}. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Activations.checkBinary(a, aOff, b, bOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
        });
    }

    /** {@code out = a - b}. */
    public static void sub(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Activations.checkBinary(a, aOff, b, bOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    FloatVector.fromArray(F, a, aOff + i).sub(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = a[aOff + i] - b[bOff + i];
        });
    }

    /** {@code out = a * b}. */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Activations.checkBinary(a, aOff, b, bOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = a[aOff + i] * b[bOff + i];
        });
    }

    /** {@code out = alpha * x}. */
    public static void scale(float[] x, int xOff, float alpha, float[] out, int outOff, int n) {
        Activations.checkUnary(x, xOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    FloatVector.fromArray(F, x, xOff + i).mul(alpha).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = alpha * x[xOff + i];
        });
    }

    /** {@code y += alpha * x} (BLAS axpy; residual adds and attention-weighted value sums). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Activations.checkUnary(x, xOff, y, yOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                FloatVector va = FloatVector.broadcast(F, alpha);
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i))
                            .intoArray(y, yOff + i);
                }
            }
            for (; i < e; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        });
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax over rows of {@code n} floats, numerically stable: the row maximum
 * is subtracted before exponentiating, so large logits never overflow.
 *
 * <p>{@code -inf} entries (masked positions) get probability 0 / log-probability -inf. A row
 * that is entirely {@code -inf} has no distribution; jllm defines its softmax as all zeros
 * (a fully masked attention row then contributes nothing, instead of NaN as in PyTorch) and
 * its log-softmax as all {@code -inf}. NaN in, NaN out; a {@code +inf} entry yields NaN, as in
 * PyTorch. {@code out} may be the same slice as {@code x}.
 */
public final class Softmax {
    private Softmax() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int GRAIN_ELEMENTS = 16 * 1024;

    public static void softmax(float[] x, int xOff, float[] out, int outOff, int n) {
        softmaxRows(x, xOff, out, outOff, 1, n);
    }

    public static void logSoftmax(float[] x, int xOff, float[] out, int outOff, int n) {
        logSoftmaxRows(x, xOff, out, outOff, 1, n);
    }

    /** Softmax of {@code rows} consecutive rows of {@code n} floats, parallel over rows. */
    public static void softmaxRows(float[] x, int xOff, float[] out, int outOff, int rows, int n) {
        check(x, xOff, out, outOff, rows, n);
        Parallel.forRange(rows, Math.max(1, GRAIN_ELEMENTS / n), (s, e) -> {
            for (int r = s; r < e; r++) softmaxRow(x, xOff + r * n, out, outOff + r * n, n);
        });
    }

    /** Log-softmax of {@code rows} consecutive rows of {@code n} floats, parallel over rows. */
    public static void logSoftmaxRows(float[] x, int xOff, float[] out, int outOff, int rows, int n) {
        check(x, xOff, out, outOff, rows, n);
        Parallel.forRange(rows, Math.max(1, GRAIN_ELEMENTS / n), (s, e) -> {
            for (int r = s; r < e; r++) logSoftmaxRow(x, xOff + r * n, out, outOff + r * n, n);
        });
    }

    private static void softmaxRow(float[] x, int xo, float[] out, int oo, int n) {
        float max = max(x, xo, n);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(out, oo, oo + n, 0f);
            return;
        }
        float sum = expShiftedInto(x, xo, max, out, oo, n);
        Elementwise.scale(out, oo, 1f / sum, out, oo, n);
    }

    private static void logSoftmaxRow(float[] x, int xo, float[] out, int oo, int n) {
        float max = max(x, xo, n);
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(out, oo, oo + n, Float.NEGATIVE_INFINITY);
            return;
        }
        float logSum = (float) Math.log(sumExpShifted(x, xo, max, n));
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, x, xo + i).sub(max).sub(logSum).intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) out[oo + i] = (x[xo + i] - max) - logSum;
    }

    /** Maximum of the slice; NaN if any element is NaN. */
    static float max(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                acc = acc.max(FloatVector.fromArray(F, x, off + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    /** Writes exp(x - max) to out and returns its sum. */
    private static float expShiftedInto(float[] x, int xo, float max, float[] out, int oo, int n) {
        int i = 0;
        double sum = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector e = FloatVector.fromArray(F, x, xo + i).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(out, oo + i);
                acc = acc.add(e);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - max);
            out[oo + i] = e;
            sum += e;
        }
        return (float) sum;
    }

    private static double sumExpShifted(float[] x, int xo, float max, int n) {
        int i = 0;
        double sum = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                acc = acc.add(FloatVector.fromArray(F, x, xo + i).sub(max).lanewise(VectorOperators.EXP));
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) sum += Math.exp(x[xo + i] - max);
        return sum;
    }

    private static void check(float[] x, int xOff, float[] out, int outOff, int rows, int n) {
        KernelArgs.positive("n", n);
        if (rows < 0) throw new IllegalArgumentException("negative row count " + rows);
        KernelArgs.slice("x", x, xOff, (long) rows * n);
        KernelArgs.slice("out", out, outOff, (long) rows * n);
    }
}

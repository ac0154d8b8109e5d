package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * RMSNorm and LayerNorm over rows of {@code n} floats.
 *
 * <p>RMSNorm: {@code out = x / sqrt(mean(x^2) + eps) * w} (HF LlamaRMSNorm; with no weight,
 * {@code w = 1}). Gemma stores {@code w - 1} and multiplies by {@code (1 + w)}: that offset is the
 * caller's concern: pass a weight with 1 already added (load time, once).
 *
 * <p>LayerNorm: {@code out = (x - mean) / sqrt(var + eps) * w + b} with the biased variance,
 * as torch.nn.LayerNorm; weight and bias are each optional (null = 1 and 0).
 *
 * <p>{@code out} may be the same slice as {@code x}. Sums are kept in several float vector
 * accumulators (the scalar path in double), so rounding does not grow with n as one running
 * float sum would; the variance is taken around the mean (two passes), never as E[x^2]-E[x]^2.
 */
public final class Norms {
    private Norms() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int GRAIN_ELEMENTS = 16 * 1024;

    public static void rmsNorm(float[] x, int xOff, float[] weight, int wOff, float[] out, int outOff, int n, float eps) {
        rmsNormRows(x, xOff, weight, wOff, out, outOff, 1, n, eps);
    }

    /** RMSNorm of {@code rows} consecutive rows of {@code n} floats, parallel over rows. */
    public static void rmsNormRows(float[] x, int xOff, float[] weight, int wOff, float[] out, int outOff,
                                   int rows, int n, float eps) {
        KernelArgs.positive("n", n);
        KernelArgs.slice("x", x, xOff, (long) rows * n);
        KernelArgs.slice("out", out, outOff, (long) rows * n);
        if (weight != null) KernelArgs.slice("weight", weight, wOff, n);
        Parallel.forRange(rows, rowGrain(n), (s, e) -> {
            for (int r = s; r < e; r++) {
                int xo = xOff + r * n, oo = outOff + r * n;
                double ss = sumSquares(x, xo, n);
                float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
                scaleAndWeigh(x, xo, scale, weight, wOff, out, oo, n);
            }
        });
    }

    public static void layerNorm(float[] x, int xOff, float[] weight, int wOff, float[] bias, int bOff,
                                 float[] out, int outOff, int n, float eps) {
        layerNormRows(x, xOff, weight, wOff, bias, bOff, out, outOff, 1, n, eps);
    }

    /** LayerNorm of {@code rows} consecutive rows of {@code n} floats, parallel over rows. */
    public static void layerNormRows(float[] x, int xOff, float[] weight, int wOff, float[] bias, int bOff,
                                     float[] out, int outOff, int rows, int n, float eps) {
        KernelArgs.positive("n", n);
        KernelArgs.slice("x", x, xOff, (long) rows * n);
        KernelArgs.slice("out", out, outOff, (long) rows * n);
        if (weight != null) KernelArgs.slice("weight", weight, wOff, n);
        if (bias != null) KernelArgs.slice("bias", bias, bOff, n);
        Parallel.forRange(rows, rowGrain(n), (s, e) -> {
            for (int r = s; r < e; r++) {
                int xo = xOff + r * n, oo = outOff + r * n;
                float mean = (float) (sum(x, xo, n) / n);
                double var = centeredSumSquares(x, xo, n, mean) / n;
                float rstd = (float) (1.0 / Math.sqrt(var + eps));
                normalize(x, xo, mean, rstd, weight, wOff, bias, bOff, out, oo, n);
            }
        });
    }

    private static int rowGrain(int n) { return Math.max(1, GRAIN_ELEMENTS / n); }

    static double sum(float[] x, int off, int n) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            int step = 2 * F.length();
            for (int bound = n - n % step; i < bound; i += step) {
                acc0 = acc0.add(FloatVector.fromArray(F, x, off + i));
                acc1 = acc1.add(FloatVector.fromArray(F, x, off + i + F.length()));
            }
            total = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) total += x[off + i];
        return total;
    }

    static double sumSquares(float[] x, int off, int n) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            int step = 2 * F.length();
            for (int bound = n - n % step; i < bound; i += step) {
                FloatVector a = FloatVector.fromArray(F, x, off + i);
                FloatVector b = FloatVector.fromArray(F, x, off + i + F.length());
                acc0 = a.fma(a, acc0);
                acc1 = b.fma(b, acc1);
            }
            total = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) total += (double) x[off + i] * x[off + i];
        return total;
    }

    private static double centeredSumSquares(float[] x, int off, int n, float mean) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector d = FloatVector.fromArray(F, x, off + i).sub(mean);
                acc = d.fma(d, acc);
            }
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            double d = x[off + i] - mean;
            total += d * d;
        }
        return total;
    }

    private static void scaleAndWeigh(float[] x, int xo, float scale, float[] w, int wo, float[] out, int oo, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i).mul(scale);
                if (w != null) v = v.mul(FloatVector.fromArray(F, w, wo + i));
                v.intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) {
            float v = x[xo + i] * scale;
            out[oo + i] = w != null ? v * w[wo + i] : v;
        }
    }

    private static void normalize(float[] x, int xo, float mean, float rstd, float[] w, int wo, float[] b, int bo,
                                  float[] out, int oo, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(mean).mul(rstd);
                if (w != null) v = v.mul(FloatVector.fromArray(F, w, wo + i));
                if (b != null) v = v.add(FloatVector.fromArray(F, b, bo + i));
                v.intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) {
            float v = (x[xo + i] - mean) * rstd;
            if (w != null) v *= w[wo + i];
            if (b != null) v += b[bo + i];
            out[oo + i] = v;
        }
    }
}

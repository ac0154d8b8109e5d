package dev.jllm.tensor.kernel;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Plain scalar references in double precision, written straight from the formulas and
 * sharing no code with the kernels; plus random data and comparison helpers.
 */
final class KernelRef {
    private KernelRef() {}

    /** Sizes that are not multiples of any vector width, plus the trivial ones. */
    static final int[] SIZES = {1, 7, 31, 33, 100, 257};

    static float[] randn(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return v;
    }

    static double[] rmsNorm(float[] x, int off, float[] w, int n, double eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[off + i] * x[off + i];
        double r = 1 / Math.sqrt(ss / n + eps);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = x[off + i] * r * (w == null ? 1 : w[i]);
        return out;
    }

    static double[] layerNorm(float[] x, int off, float[] w, float[] b, int n, double eps) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += x[off + i];
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) var += (x[off + i] - mean) * (x[off + i] - mean);
        var /= n;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = (x[off + i] - mean) / Math.sqrt(var + eps) * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
        }
        return out;
    }

    static double[] softmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) sum += out[i] = Math.exp(x[off + i] - max);
        for (int i = 0; i < n; i++) out[i] /= sum;
        return out;
    }

    static double[] logSoftmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[off + i] - max);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = x[off + i] - max - Math.log(sum);
        return out;
    }

    static double silu(double x) { return x / (1 + Math.exp(-x)); }

    static double gelu(double x) { return 0.5 * x * erfc(-x / Math.sqrt(2)); }

    /** {@code x/2 (1 + tanh u)}, with {@code 1 + tanh u} written as {@code 2/(1+e^{-2u})}: in double it cancels below u ~ -19. */
    static double geluTanh(double x) {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return x / (1 + Math.exp(-2 * u));
    }

    /** erf by its all-positive series {@code 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!!}. */
    static double erf(double x) {
        if (Math.abs(x) > 3) return Math.signum(x) * (1 - erfc(Math.abs(x)));
        double term = x, sum = x;
        for (int n = 1; n < 200 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    /** erfc: 1 - erf near zero, the Laplace continued fraction for x > 3 (no cancellation there). */
    static double erfc(double x) {
        if (x < -3) return 2 - erfc(-x);
        if (x <= 3) return 1 - erf(x);
        double f = x;
        for (int k = 300; k >= 1; k--) f = x + (k / 2.0) / f;
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    static void close(String what, double[] expected, float[] actual, int off, double rel, double abs) {
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[off + i];
            if (Double.isInfinite(e) && e == a) continue;
            if (!(Math.abs(a - e) <= abs + rel * Math.abs(e))) {
                fail(what + ": element " + i + " of " + expected.length + " expected " + e + " got " + a
                        + " (diff " + Math.abs(a - e) + ")");
            }
        }
    }

    static void close(String what, float[] expected, float[] actual, int off, double rel, double abs) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        close(what, e, actual, off, rel, abs);
    }

    static void untouched(String what, float[] a, int from, int to, float value) {
        for (int i = from; i < to; i++) assertEquals(value, a[i], what + ": element " + i + " outside the slice changed");
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise activations and gated units over {@code float[]} slices.
 *
 * <p>Every method reads {@code n} elements from each input at its offset and writes {@code n}
 * to {@code out} at {@code outOff}; {@code out} may be the same slice as an input (in place).
 *
 * <p>GELU uses erfc, not a tanh or sigmoid shortcut: {@code gelu(x) = x/2 * erfc(-x/sqrt 2)}.
 * erfc is evaluated as the Maclaurin series of erf for |z| &lt; 0.5 and, above, as
 * {@code exp(-z^2) t h(u)} with {@code t = 1/(1+z/2)} and a degree-12 polynomial h fitted by
 * tools/kernels/fit_erfc.py (relative error below 3e-7 wherever the result is a normal float).
 * Writing GELU through erfc keeps the negative tail accurate, where {@code 1 + erf} cancels.
 * The tanh-approximate GELU is written as {@code x * sigmoid(2u)}, which equals
 * {@code x/2 (1 + tanh u)} without that cancellation.
 */
public final class Activations {
    private Activations() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int GRAIN = 16 * 1024; // elements per parallel chunk: below this, threads cost more than they save

    // erf(z) = z * sum_k ERF_SERIES[k] z^(2k) for |z| < 0.5: 2/sqrt(pi) (-1)^k / (k! (2k+1))
    private static final float[] ERF_SERIES = erfSeries(8);
    // erfc(z) = exp(-z^2) * t * poly((t - T_CENTER) * INV_T_HALF), t = 1/(1+z/2), z in [0.5, 10]
    private static final float T_CENTER = 0.48333332f;
    private static final float INV_T_HALF = 3.1578948f;
    private static final float[] ERFC_POLY = {
        0.49949324131011963f, 0.2117403745651245f, 0.05529054254293442f, 0.004983709659427404f,
        -0.0016395056154578924f, -0.00036054200609214604f, 9.276299533667043e-05f, 2.0717505321954377e-05f,
        -8.354190867976286e-06f, -7.530071002292971e-07f, 8.037288239393092e-07f, -2.5172253614869078e-08f,
        -5.6129795922288395e-08f};
    private static final float SMALL = 0.5f;
    private static final float ERFC_CLAMP = 10f; // erfc(10) ~ 2e-45: float32 has nothing beyond
    private static final float SQRT1_2 = (float) Math.sqrt(0.5);
    private static final float TANH_C1 = (float) (2 * Math.sqrt(2 / Math.PI));   // 2 * sqrt(2/pi)
    private static final float TANH_C3 = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);

    private static float[] erfSeries(int terms) {
        float[] c = new float[terms];
        double fact = 1;
        for (int k = 0; k < terms; k++) {
            if (k > 0) fact *= k;
            c[k] = (float) ((k % 2 == 0 ? 1 : -1) * 2 / Math.sqrt(Math.PI) / (fact * (2 * k + 1)));
        }
        return c;
    }

    // ---- scalar functions (also the scalar path and the vector tails) ---------------------

    /** Complementary error function in float precision. */
    public static float erfc(float z) {
        float a = Math.abs(z);
        if (a < SMALL) return 1f - erfSmall(z);
        if (Float.isNaN(z)) return Float.NaN;
        float tail = erfcTail(Math.min(a, ERFC_CLAMP));
        return z < 0 ? 2f - tail : tail;
    }

    /** Error function in float precision (relative error ~3e-7). */
    public static float erf(float z) {
        float a = Math.abs(z);
        if (a < SMALL) return erfSmall(z);
        if (Float.isNaN(z)) return Float.NaN;
        float r = 1f - erfcTail(Math.min(a, ERFC_CLAMP));
        return z < 0 ? -r : r;
    }

    private static float erfSmall(float z) {
        float z2 = z * z;
        float p = ERF_SERIES[ERF_SERIES.length - 1];
        for (int k = ERF_SERIES.length - 2; k >= 0; k--) p = Math.fma(p, z2, ERF_SERIES[k]);
        return p * z;
    }

    private static float erfcTail(float a) { // a in [0.5, 10]
        float t = 1f / Math.fma(a, 0.5f, 1f);
        float u = (t - T_CENTER) * INV_T_HALF;
        float h = ERFC_POLY[ERFC_POLY.length - 1];
        for (int k = ERFC_POLY.length - 2; k >= 0; k--) h = Math.fma(h, u, ERFC_POLY[k]);
        return (float) Math.exp(-(double) a * a) * (t * h);
    }

    public static float silu(float x) { return x / (1f + (float) Math.exp(-x)); }

    public static float gelu(float x) { return 0.5f * x * erfc(-x * SQRT1_2); }

    public static float geluTanh(float x) {
        float twoU = x * Math.fma(TANH_C3, x * x, TANH_C1);
        return x / (1f + (float) Math.exp(-twoU));
    }

    // ---- vector forms ------------------------------------------------------------------

    private static FloatVector siluV(FloatVector x) {
        return x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    private static FloatVector geluTanhV(FloatVector x) {
        FloatVector twoU = x.mul(x.mul(x).fma(TANH_C3, TANH_C1));
        return x.div(twoU.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    private static FloatVector geluV(FloatVector x) {
        return x.mul(0.5f).mul(erfcV(x.mul(-SQRT1_2)));
    }

    /** Vector erfc with the same arithmetic as {@link #erfc(float)}. */
    static FloatVector erfcV(FloatVector z) {
        FloatVector a = z.abs();
        VectorMask<Float> small = a.lt(SMALL);
        FloatVector z2 = z.mul(z);
        FloatVector p = FloatVector.broadcast(F, ERF_SERIES[ERF_SERIES.length - 1]);
        for (int k = ERF_SERIES.length - 2; k >= 0; k--) p = p.fma(z2, FloatVector.broadcast(F, ERF_SERIES[k]));
        FloatVector nearZero = p.mul(z).neg().add(1f);

        FloatVector ac = a.max(SMALL).min(ERFC_CLAMP);
        FloatVector t = FloatVector.broadcast(F, 1f).div(ac.fma(0.5f, 1f));
        FloatVector u = t.sub(T_CENTER).mul(INV_T_HALF);
        FloatVector h = FloatVector.broadcast(F, ERFC_POLY[ERFC_POLY.length - 1]);
        for (int k = ERFC_POLY.length - 2; k >= 0; k--) h = h.fma(u, FloatVector.broadcast(F, ERFC_POLY[k]));
        // exp(-a^2) with a = hi + lo, hi keeping 12 mantissa bits so hi*hi is exact in float:
        // a^2 rounded to float would cost up to a^2 * 6e-8 relative error in the result.
        FloatVector hi = ac.reinterpretAsInts().and(0xfffff000).reinterpretAsFloats();
        FloatVector rest = ac.sub(hi).mul(ac.add(hi));
        // exp(-rest) by its Taylor series: |rest| < 2 * 10 * 10 * 2^-12 < 0.05, so 5 terms leave < 3e-9
        FloatVector r = rest.neg();
        FloatVector expRest = r.fma(FloatVector.broadcast(F, 1f / 120), FloatVector.broadcast(F, 1f / 24))
                .fma(r, FloatVector.broadcast(F, 1f / 6)).fma(r, FloatVector.broadcast(F, 0.5f))
                .fma(r, FloatVector.broadcast(F, 1f)).fma(r, FloatVector.broadcast(F, 1f));
        FloatVector e = hi.mul(hi).neg().lanewise(VectorOperators.EXP).mul(expRest);
        FloatVector tail = e.mul(t.mul(h));
        FloatVector far = tail.blend(tail.neg().add(2f), z.lt(0f));
        return far.blend(nearZero, small).blend(z, z.test(VectorOperators.IS_NAN)); // NaN in, NaN out
    }

    // ---- array kernels -----------------------------------------------------------------

    /** {@code out = x * sigmoid(x)}. */
    public static void silu(float[] x, int xOff, float[] out, int outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    siluV(FloatVector.fromArray(F, x, xOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = silu(x[xOff + i]);
        });
    }

    /** Exact (erf) GELU, PyTorch's {@code gelu(approximate='none')}. */
    public static void gelu(float[] x, int xOff, float[] out, int outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    geluV(FloatVector.fromArray(F, x, xOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = gelu(x[xOff + i]);
        });
    }

    /** tanh-approximate GELU, PyTorch's {@code gelu(approximate='tanh')} (GPT-2, Gemma). */
    public static void geluTanh(float[] x, int xOff, float[] out, int outOff, int n) {
        checkUnary(x, xOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    geluTanhV(FloatVector.fromArray(F, x, xOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = geluTanh(x[xOff + i]);
        });
    }

    /** SwiGLU: {@code out = silu(gate) * up} (Llama, Qwen, Mistral FFN). */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, float[] out, int outOff, int n) {
        checkBinary(gate, gOff, up, uOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    siluV(FloatVector.fromArray(F, gate, gOff + i)).mul(FloatVector.fromArray(F, up, uOff + i))
                            .intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = silu(gate[gOff + i]) * up[uOff + i];
        });
    }

    /** GeGLU: {@code out = gelu(gate) * up}, with the erf GELU, or the tanh one when {@code tanh}. */
    public static void geglu(float[] gate, int gOff, float[] up, int uOff, float[] out, int outOff, int n, boolean tanh) {
        checkBinary(gate, gOff, up, uOff, out, outOff, n);
        Parallel.forRange(n, GRAIN, (s, e) -> {
            int i = s;
            if (!Simd.SCALAR) {
                for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                    FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
                    (tanh ? geluTanhV(g) : geluV(g)).mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(out, outOff + i);
                }
            }
            for (; i < e; i++) out[outOff + i] = (tanh ? geluTanh(gate[gOff + i]) : gelu(gate[gOff + i])) * up[uOff + i];
        });
    }

    static void checkUnary(float[] x, int xOff, float[] out, int outOff, int n) {
        KernelArgs.slice("x", x, xOff, n);
        KernelArgs.slice("out", out, outOff, n);
    }

    static void checkBinary(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        KernelArgs.slice("a", a, aOff, n);
        KernelArgs.slice("b", b, bOff, n);
        KernelArgs.slice("out", out, outOff, n);
    }
}

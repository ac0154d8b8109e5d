package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Activations;
import dev.jllm.tensor.kernel.Simd;
import dev.jllm.tensor.kernel.Softmax;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.jllm.nn.autograd.GradMath.F;

/**
 * Pointwise activations, the SwiGLU gate and softmax, with their derivatives. Forward passes
 * are the inference kernels ({@link Activations}, {@link Softmax}); the backward passes
 * recompute what they need from the inputs (sigmoid; GELU's Φ from its output) instead of storing it.
 *
 * <ul>
 *   <li>silu'(x) = s·(1 + x·(1 − s)), s = sigmoid(x)
 *   <li>gelu'(x) = Φ(x) + x·φ(x) (erf form), Φ the normal CDF, φ its density
 *   <li>tanh-GELU, written x·σ(2u) with u = √(2/π)(x + 0.044715x³):
 *       σ(2u) + x·σ(2u)(1 − σ(2u))·2u'
 *   <li>softmax: dx = y·(dy − Σ dy·y) per row
 * </ul>
 */
public final class ActivationOps {
    private ActivationOps() {}

    private static final int GRAIN = 16 * 1024;
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    private static final float TANH_C1 = (float) (2 * Math.sqrt(2 / Math.PI));
    private static final float TANH_C3 = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);

    /** {@code x · sigmoid(x)}. */
    public static Var silu(Tape t, Var x) {
        float[] xd = x.data();
        float[] y = new float[xd.length];
        Activations.silu(xd, 0, y, 0, xd.length);
        Var out = t.output(y, x.shape(), x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            Parallel.forRange(xd.length, GRAIN, (s, e) -> {
                int i = s;
                if (!Simd.SCALAR) {
                    for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                        FloatVector v = FloatVector.fromArray(F, xd, i);
                        FloatVector.fromArray(F, dy, i).fma(siluPrimeV(v), FloatVector.fromArray(F, dx, i)).intoArray(dx, i);
                    }
                }
                for (; i < e; i++) dx[i] += dy[i] * siluPrime(xd[i]);
            });
        }, x);
    }

    /** SwiGLU {@code silu(gate) · up} (Llama-family feed-forward); gate and up have one shape. */
    public static Var swiglu(Tape t, Var gate, Var up) {
        GradMath.requireSameShape("swiglu", gate, up);
        float[] g = gate.data(), u = up.data();
        float[] y = new float[g.length];
        Activations.swiglu(g, 0, u, 0, y, 0, g.length);
        Var out = t.output(y, gate.shape(), gate, up);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            float[] dg = gate.requiresGrad() ? gate.grad() : null, du = up.requiresGrad() ? up.grad() : null;
            Parallel.forRange(g.length, GRAIN, (s, e) -> {
                int i = s;
                if (!Simd.SCALAR) {
                    for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                        FloatVector gv = FloatVector.fromArray(F, g, i);
                        FloatVector sig = FloatVector.broadcast(F, 1f).div(gv.neg().lanewise(VectorOperators.EXP).add(1f));
                        FloatVector d = FloatVector.fromArray(F, dy, i);
                        if (du != null) d.mul(gv.mul(sig)).add(FloatVector.fromArray(F, du, i)).intoArray(du, i);
                        if (dg != null) {
                            // silu'(g) = sig·(1 + g·(1 − sig))
                            FloatVector prime = sig.mul(gv.mul(sig.neg().add(1f)).add(1f));
                            d.mul(FloatVector.fromArray(F, u, i)).fma(prime, FloatVector.fromArray(F, dg, i)).intoArray(dg, i);
                        }
                    }
                }
                for (; i < e; i++) {
                    float sig = 1f / (1f + (float) Math.exp(-g[i]));
                    if (du != null) du[i] += dy[i] * g[i] * sig;
                    if (dg != null) dg[i] += dy[i] * u[i] * sig * (1f + g[i] * (1f - sig));
                }
            });
        }, gate, up);
    }

    /**
     * Exact GELU {@code x/2 · erfc(−x/√2)} (PyTorch {@code approximate='none'}). The backward
     * pass reads Φ(x) back from the output ({@code Φ = y/x}, 1/2 at 0), so it needs no erf.
     */
    public static Var gelu(Tape t, Var x) {
        float[] xd = x.data();
        float[] y = new float[xd.length];
        Activations.gelu(xd, 0, y, 0, xd.length);
        Var out = t.output(y, x.shape(), x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            Parallel.forRange(xd.length, GRAIN, (s, e) -> {
                int i = s;
                if (!Simd.SCALAR) {
                    for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                        FloatVector v = FloatVector.fromArray(F, xd, i);
                        FloatVector cdf = FloatVector.fromArray(F, y, i).div(v).blend(0.5f, v.eq(0f));
                        FloatVector pdf = v.mul(v).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
                        FloatVector.fromArray(F, dy, i).fma(v.fma(pdf, cdf), FloatVector.fromArray(F, dx, i)).intoArray(dx, i);
                    }
                }
                for (; i < e; i++) {
                    float v = xd[i];
                    float cdf = v == 0f ? 0.5f : y[i] / v;
                    float pdf = INV_SQRT_2PI * (float) Math.exp(-0.5f * v * v);
                    dx[i] += dy[i] * (cdf + v * pdf);
                }
            });
        }, x);
    }

    /** tanh-approximate GELU (PyTorch {@code approximate='tanh'}; GPT-2, Gemma). */
    public static Var geluTanh(Tape t, Var x) {
        float[] xd = x.data();
        float[] y = new float[xd.length];
        Activations.geluTanh(xd, 0, y, 0, xd.length);
        Var out = t.output(y, x.shape(), x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            Parallel.forRange(xd.length, GRAIN, (s, e) -> {
                int i = s;
                if (!Simd.SCALAR) {
                    for (int bound = s + F.loopBound(e - s); i < bound; i += F.length()) {
                        FloatVector v = FloatVector.fromArray(F, xd, i);
                        FloatVector v2 = v.mul(v);
                        FloatVector twoU = v.mul(v2.fma(TANH_C3, TANH_C1));
                        FloatVector sig = FloatVector.broadcast(F, 1f).div(twoU.neg().lanewise(VectorOperators.EXP).add(1f));
                        FloatVector twoUPrime = v2.fma(3 * TANH_C3, TANH_C1);
                        FloatVector prime = v.mul(sig).mul(sig.neg().add(1f)).mul(twoUPrime).add(sig);
                        FloatVector.fromArray(F, dy, i).fma(prime, FloatVector.fromArray(F, dx, i)).intoArray(dx, i);
                    }
                }
                for (; i < e; i++) {
                    float v = xd[i];
                    float twoU = v * Math.fma(TANH_C3, v * v, TANH_C1);
                    float sig = 1f / (1f + (float) Math.exp(-twoU));
                    float prime = sig + v * sig * (1f - sig) * Math.fma(3 * TANH_C3, v * v, TANH_C1);
                    dx[i] += dy[i] * prime;
                }
            });
        }, x);
    }

    /** Softmax over the last dimension (rows of {@code -inf} give zeros, as the kernel defines). */
    public static Var softmax(Tape t, Var x) {
        GradMath.requireRank("softmax", "x", x, 1);
        int n = x.dim(-1), rows = GradMath.rows(x);
        float[] xd = x.data();
        float[] y = new float[xd.length];
        if (rows > 0 && n > 0) Softmax.softmaxRows(xd, 0, y, 0, rows, n);
        Var out = t.output(y, x.shape(), x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            Parallel.forRange(rows, GradMath.rowGrain(n), (s, e) -> {
                for (int r = s; r < e; r++) {
                    int o = r * n;
                    float dot = (float) GradMath.dot(dy, o, y, o, n);
                    softmaxRowGrad(y, dy, dot, dx, o, n);
                }
            });
        }, x);
    }

    /** {@code dx += y·(dy − dot)} over one row. */
    static void softmaxRowGrad(float[] y, float[] dy, float dot, float[] dx, int o, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, dy, o + i).sub(dot).fma(FloatVector.fromArray(F, y, o + i), FloatVector.fromArray(F, dx, o + i))
                        .intoArray(dx, o + i);
            }
        }
        for (; i < n; i++) dx[o + i] += y[o + i] * (dy[o + i] - dot);
    }

    private static float siluPrime(float x) {
        float s = 1f / (1f + (float) Math.exp(-x));
        return s * (1f + x * (1f - s));
    }

    private static FloatVector siluPrimeV(FloatVector x) {
        FloatVector s = FloatVector.broadcast(F, 1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }
}

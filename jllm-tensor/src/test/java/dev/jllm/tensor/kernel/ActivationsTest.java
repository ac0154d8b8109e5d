package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static dev.jllm.tensor.kernel.KernelRef.close;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

class ActivationsTest {
    /** GELU's float error grows with x^2 in the negative tail: x/sqrt(2) itself is rounded. */
    private static void closeGelu(String what, double[] expect, float[] x, float[] got, int off) {
        closeGelu(what, expect, x, got, off, 0);
    }

    /** {@code absPerX}: PyTorch's double GELU computes 1 + erf(x) and 1 + tanh(u), which cancel to 0 in the far negative tail. */
    private static void closeGelu(String what, double[] expect, float[] x, float[] got, int off, double absPerX) {
        for (int i = 0; i < expect.length; i++) {
            double e = expect[i], a = got[off + i], xi = x[i];
            double tol = 1e-37 + absPerX * Math.abs(xi) + Math.abs(e) * (1.5e-6 + 1.2e-7 * xi * xi);
            if (!(Math.abs(a - e) <= tol)) fail(what + ": x=" + xi + " expected " + e + " got " + a);
        }
    }

    private static double[] map(float[] x, int off, int n, DoubleUnaryOperator f) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = f.applyAsDouble(x[off + i]);
        return out;
    }

    @Test
    void unaryActivationsMatchScalarReference() {
        Random rnd = new Random(4);
        for (int n : KernelRef.SIZES) {
            float[] x = KernelRef.randn(rnd, n + 3, 4.0);
            float[] xs = java.util.Arrays.copyOfRange(x, 3, n + 3);
            float[] out = new float[n + 1];
            Activations.silu(x, 3, out, 1, n);
            close("silu n=" + n, map(x, 3, n, KernelRef::silu), out, 1, 2e-6, 1e-30);
            Activations.gelu(x, 3, out, 1, n);
            closeGelu("gelu n=" + n, map(x, 3, n, KernelRef::gelu), xs, out, 1);
            Activations.geluTanh(x, 3, out, 1, n);
            closeGelu("gelu_tanh n=" + n, map(x, 3, n, KernelRef::geluTanh), xs, out, 1);
        }
    }

    @Test
    void geluIsAccurateAcrossBothErfRegimesAndTheTails() {
        int n = 4001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -13f + 26f * i / (n - 1);
        float[] out = new float[n];
        Activations.gelu(x, 0, out, 0, n);
        closeGelu("gelu grid", map(x, 0, n, KernelRef::gelu), x, out, 0);
        Activations.geluTanh(x, 0, out, 0, n);
        closeGelu("gelu_tanh grid", map(x, 0, n, KernelRef::geluTanh), x, out, 0);
        for (float v : x) {
            double tol = 4e-7 * Math.abs(KernelRef.erf(v)) + 1e-37;
            assertThat((double) Activations.erf(v)).as("erf(%s)", v).isCloseTo(KernelRef.erf(v), org.assertj.core.data.Offset.offset(tol));
            double c = KernelRef.erfc(v);
            if (c > 1.2e-38) { // normal floats only
                assertThat((double) Activations.erfc(v)).as("erfc(%s)", v).isCloseTo(c, org.assertj.core.data.Offset.offset(4e-7 * c));
            }
        }
    }

    @Test
    void gatedUnitsMatchScalarReference() {
        Random rnd = new Random(5);
        for (int n : KernelRef.SIZES) {
            float[] g = KernelRef.randn(rnd, n, 3.0), u = KernelRef.randn(rnd, n + 2, 1.0);
            float[] out = new float[n];
            double[] e = new double[n];
            Activations.swiglu(g, 0, u, 2, out, 0, n);
            for (int i = 0; i < n; i++) e[i] = KernelRef.silu(g[i]) * u[i + 2];
            close("swiglu n=" + n, e, out, 0, 3e-6, 1e-30);
            Activations.geglu(g, 0, u, 2, out, 0, n, false);
            for (int i = 0; i < n; i++) e[i] = KernelRef.gelu(g[i]) * u[i + 2];
            close("geglu n=" + n, e, out, 0, 4e-6, 1e-30);
            Activations.geglu(g, 0, u, 2, out, 0, n, true);
            for (int i = 0; i < n; i++) e[i] = KernelRef.geluTanh(g[i]) * u[i + 2];
            close("geglu tanh n=" + n, e, out, 0, 4e-6, 1e-30);
            // in place over the gate
            float[] g2 = g.clone();
            Activations.swiglu(g2, 0, u, 2, g2, 0, n);
            for (int i = 0; i < n; i++) e[i] = KernelRef.silu(g[i]) * u[i + 2];
            close("swiglu in place n=" + n, e, g2, 0, 3e-6, 1e-30);
        }
    }

    @Test
    void largeInputsSplitAcrossThreadsMatchReference() {
        Random rnd = new Random(18);
        int n = 70_001; // several parallel chunks, and a ragged last one
        float[] x = KernelRef.randn(rnd, n, 3.0), out = new float[n];
        Activations.silu(x, 0, out, 0, n);
        close("silu large", map(x, 0, n, KernelRef::silu), out, 0, 2e-6, 1e-30);
        Activations.gelu(x, 0, out, 0, n);
        closeGelu("gelu large", map(x, 0, n, KernelRef::gelu), x, out, 0);
    }

    @Test
    void nanPropagates() {
        float[] x = {Float.NaN, 1f, Float.NaN, -2f, 0f, 3f, Float.NaN, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, Float.NaN};
        float[] out = new float[x.length];
        Activations.gelu(x, 0, out, 0, x.length);
        assertThat(out[0]).isNaN();
        assertThat(out[16]).isNaN();
        assertThat(out[1]).isCloseTo(0.8413447f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(Activations.erf(Float.NaN)).isNaN();
    }

    @Test
    void matchesPyTorch() {
        for (KernelFixtures.Case c : KernelFixtures.load("activations")) {
            int n = c.i("n");
            float[] x = c.a("x"), out = new float[n];
            Activations.silu(x, 0, out, 0, n);
            close(c.name() + " silu", c.a("silu"), out, 0, 2e-6, 1e-30);
            Activations.gelu(x, 0, out, 0, n);
            closeGelu(c.name() + " gelu", toDouble(c.a("gelu")), x, out, 0, 1e-15);
            Activations.geluTanh(x, 0, out, 0, n);
            closeGelu(c.name() + " gelu_tanh", toDouble(c.a("gelu_tanh")), x, out, 0, 1e-15);
            float[] erf = c.a("erf"), erfc = c.a("erfc");
            for (int i = 0; i < n; i++) {
                assertThat(Activations.erf(x[i])).as("erf(%s)", x[i]).isCloseTo(erf[i], org.assertj.core.data.Offset.offset(4e-7f * Math.abs(erf[i]) + 1e-37f));
                if (erfc[i] > 1.2e-38f) {
                    assertThat(Activations.erfc(x[i])).as("erfc(%s)", x[i]).isCloseTo(erfc[i], org.assertj.core.data.Offset.offset(5e-7f * erfc[i]));
                }
            }
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}

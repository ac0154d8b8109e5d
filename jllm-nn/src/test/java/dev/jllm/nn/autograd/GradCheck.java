package dev.jllm.nn.autograd;

import java.util.Random;

/**
 * Checks an op's float32 forward and backward against a double-precision scalar reference of
 * its forward written in the test: the forward within {@code fwdTol}, and the analytic
 * gradient of {@code L = Σ c·out} (random c) against central differences of the reference in
 * float64, within {@code tol} relative to the largest gradient entry of each input.
 */
final class GradCheck {
    private GradCheck() {}

    /** The op under test over Vars made from the inputs. */
    interface Op { Var apply(Tape t, Var[] in); }

    /** An independent double-precision forward of the same op. */
    interface Ref { double[] apply(double[][] in); }

    /** One input: its values, shape, and whether it is differentiated. */
    record Input(float[] values, int[] shape, boolean differentiable) {}

    static Input in(float[] values, int... shape) { return new Input(values, shape, true); }

    static Input constant(float[] values, int... shape) { return new Input(values, shape, false); }

    static float[] random(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return v;
    }

    static void check(String name, Op op, Ref ref, double tol, Input... inputs) {
        check(name, op, ref, 1e-5, tol, inputs);
    }

    static void check(String name, Op op, Ref ref, double fwdTol, double tol, Input... inputs) {
        Tape tape = new Tape();
        Var[] vars = new Var[inputs.length];
        double[][] dIn = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            float[] v = inputs[i].values().clone();
            vars[i] = inputs[i].differentiable() ? Var.of(v, inputs[i].shape()) : Var.constant(v, inputs[i].shape());
            dIn[i] = new double[v.length];
            for (int j = 0; j < v.length; j++) dIn[i][j] = v[j];
        }
        Var out = op.apply(tape, vars);
        double[] expected = ref.apply(copy(dIn));
        if (expected.length != out.numel()) {
            throw new AssertionError(name + ": reference gives " + expected.length + " outputs, op " + out.numel());
        }
        double outScale = maxAbs(expected);
        for (int k = 0; k < expected.length; k++) {
            double err = Math.abs(out.data()[k] - expected[k]);
            if (err > fwdTol * Math.max(outScale, 1e-3) + 1e-7) {
                throw new AssertionError(name + ": forward[" + k + "] = " + out.data()[k] + ", reference " + expected[k]);
            }
        }
        Random rnd = new Random(name.hashCode());
        float[] c = random(rnd, out.numel(), 1);
        tape.backward(out, c);
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].differentiable()) continue;
            double[] numeric = new double[dIn[i].length];
            for (int j = 0; j < numeric.length; j++) {
                double x0 = dIn[i][j], h = 1e-5 * Math.max(1, Math.abs(x0));
                double[][] plus = copy(dIn), minus = copy(dIn);
                plus[i][j] = x0 + h;
                minus[i][j] = x0 - h;
                numeric[j] = (dotC(c, ref.apply(plus)) - dotC(c, ref.apply(minus))) / (2 * h);
            }
            float[] analytic = vars[i].hasGrad() ? vars[i].grad() : new float[numeric.length];
            double scale = Math.max(maxAbs(numeric), 1e-3);
            for (int j = 0; j < numeric.length; j++) {
                double err = Math.abs(analytic[j] - numeric[j]);
                if (err > tol * scale) {
                    throw new AssertionError(name + ": d/d input" + i + "[" + j + "] analytic " + analytic[j] + ", numeric "
                            + numeric[j] + " (error " + err / scale + " of the largest entry " + scale + ")");
                }
            }
        }
    }

    private static double dotC(float[] c, double[] y) {
        double s = 0;
        for (int k = 0; k < y.length; k++) s += c[k] * y[k];
        return s;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }
}

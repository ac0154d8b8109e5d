package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Elementwise;

import java.util.Arrays;

/**
 * Elementwise add, multiply and scale. {@code b} may have the shape of {@code a}, or be a
 * vector as long as {@code a}'s last dimension, broadcast over every row (a bias, a per-channel
 * scale); its gradient then sums over rows.
 */
public final class ArithmeticOps {
    private ArithmeticOps() {}

    private static final int GRAIN = 32 * 1024;

    /** {@code a + b} (residual connections, bias adds). */
    public static Var add(Tape t, Var a, Var b) {
        boolean rowBroadcast = broadcast("add", a, b);
        float[] ad = a.data(), bd = b.data();
        float[] y = new float[ad.length];
        int n = a.rank() == 0 ? 1 : a.dim(-1), rows = ad.length / Math.max(1, n);
        if (rowBroadcast) {
            Parallel.forRange(rows, GradMath.rowGrain(n), (s, e) -> {
                for (int r = s; r < e; r++) Elementwise.add(ad, r * n, bd, 0, y, r * n, n);
            });
        } else {
            Elementwise.add(ad, 0, bd, 0, y, 0, ad.length);
        }
        Var out = t.output(y, a.shape(), a, b);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            if (a.requiresGrad()) Elementwise.axpy(1f, dy, 0, a.grad(), 0, dy.length);
            if (b.requiresGrad()) {
                if (rowBroadcast) GradMath.addColumnSums(dy, rows, n, b.grad());
                else Elementwise.axpy(1f, dy, 0, b.grad(), 0, dy.length);
            }
        }, a, b);
    }

    /** {@code a · b} elementwise (gates, masks). */
    public static Var mul(Tape t, Var a, Var b) {
        boolean rowBroadcast = broadcast("mul", a, b);
        float[] ad = a.data(), bd = b.data();
        float[] y = new float[ad.length];
        int n = a.rank() == 0 ? 1 : a.dim(-1), rows = ad.length / Math.max(1, n);
        if (rowBroadcast) {
            Parallel.forRange(rows, GradMath.rowGrain(n), (s, e) -> {
                for (int r = s; r < e; r++) Elementwise.mul(ad, r * n, bd, 0, y, r * n, n);
            });
        } else {
            Elementwise.mul(ad, 0, bd, 0, y, 0, ad.length);
        }
        Var out = t.output(y, a.shape(), a, b);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            float[] da = a.requiresGrad() ? a.grad() : null;
            if (rowBroadcast) {
                if (da != null) {
                    Parallel.forRange(rows, GradMath.rowGrain(n), (s, e) -> {
                        for (int r = s; r < e; r++) GradMath.addProductInto(dy, r * n, bd, 0, da, r * n, n);
                    });
                }
                if (b.requiresGrad()) GradMath.addColumnProducts(dy, ad, null, null, rows, n, b.grad());
            } else {
                float[] db = b.requiresGrad() ? b.grad() : null;
                Parallel.forRange(dy.length, GRAIN, (s, e) -> {
                    if (da != null) GradMath.addProductInto(dy, s, bd, s, da, s, e - s);
                    if (db != null) GradMath.addProductInto(dy, s, ad, s, db, s, e - s);
                });
            }
        }, a, b);
    }

    /** {@code alpha · x}. */
    public static Var scale(Tape t, Var x, float alpha) {
        float[] xd = x.data();
        float[] y = new float[xd.length];
        Elementwise.scale(xd, 0, alpha, y, 0, xd.length);
        Var out = t.output(y, x.shape(), x);
        return t.record(out, () -> {
            if (out.hasGrad()) Elementwise.axpy(alpha, out.grad(), 0, x.grad(), 0, xd.length);
        }, x);
    }

    /** {@code a − b}, same shapes or row broadcast as {@link #add}. */
    public static Var sub(Tape t, Var a, Var b) {
        return add(t, a, scale(t, b, -1f));
    }

    /** Sum of every element, as a scalar (loss terms, tests). */
    public static Var sum(Tape t, Var x) {
        float[] xd = x.data();
        double s = 0;
        for (float v : xd) s += v;
        Var out = t.output(new float[] {(float) s}, new int[0], x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float g = out.grad()[0];
            float[] dx = x.grad();
            Parallel.forRange(dx.length, GRAIN, (st, e) -> { for (int i = st; i < e; i++) dx[i] += g; });
        }, x);
    }

    /** True for a row broadcast of b, false for equal shapes; throws otherwise. */
    private static boolean broadcast(String op, Var a, Var b) {
        if (Arrays.equals(a.shape(), b.shape())) return false;
        if (b.rank() == 1 && a.rank() >= 1 && b.dim(0) == a.dim(-1)) return true;
        throw new IllegalArgumentException(op + ": shapes " + a + " and " + b
                + " neither match nor broadcast (b may be a vector as long as a's last dimension)");
    }
}

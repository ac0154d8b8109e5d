package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Norms;
import dev.jllm.tensor.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.jllm.nn.autograd.GradMath.F;

/**
 * RMSNorm and LayerNorm over the last dimension. The forward pass is the inference kernel
 * ({@link Norms}); the backward pass recomputes each row's statistics (one dot product per
 * row) rather than storing them, and takes the weight/bias gradients as column sums.
 *
 * <p>With {@code x̂ = x·r} and {@code g = dy·w}, RMSNorm's input gradient is
 * {@code dx = r·(g − x̂·mean(g·x̂))}; LayerNorm's is {@code dx = r·(g − mean(g) − x̂·mean(g·x̂))}.
 */
public final class NormOps {
    private NormOps() {}

    /** {@code y = x / sqrt(mean(x²) + eps) · w} over the last dimension; {@code weight} {@code [d]} or null. */
    public static Var rmsNorm(Tape t, Var x, Var weight, float eps) {
        GradMath.requireRank("rmsNorm", "x", x, 1);
        int d = x.dim(-1), rows = GradMath.rows(x);
        checkVector("rmsNorm", "weight", weight, d);
        float[] xd = x.data(), wd = weight == null ? null : weight.data();
        float[] y = new float[xd.length];
        if (rows > 0 && d > 0) Norms.rmsNormRows(xd, 0, wd, 0, y, 0, rows, d, eps);
        Var out = t.output(y, x.shape(), x, weight);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            float[] rstd = new float[rows];
            float[] dx = x.requiresGrad() ? x.grad() : null;
            Parallel.forRange(rows, GradMath.rowGrain(d), (s, e) -> {
                for (int r = s; r < e; r++) {
                    int o = r * d;
                    float rs = (float) (1.0 / Math.sqrt(GradMath.dot(xd, o, xd, o, d) / d + eps));
                    rstd[r] = rs;
                    if (dx == null) continue;
                    // dx = rs·g − rs³/d · x · sum(g·x)
                    double gx = weightedDot(dy, o, wd, xd, o, d);
                    float c = (float) (rs * rs * rs * gx / d);
                    rmsInputGrad(dy, wd, xd, o, rs, c, dx, d);
                }
            });
            if (weight != null && weight.requiresGrad()) GradMath.addColumnProducts(dy, xd, null, rstd, rows, d, weight.grad());
        }, x, weight);
    }

    /** {@code y = (x − mean) / sqrt(var + eps) · w + b} (biased variance, as torch); weight and bias {@code [d]} or null. */
    public static Var layerNorm(Tape t, Var x, Var weight, Var bias, float eps) {
        GradMath.requireRank("layerNorm", "x", x, 1);
        int d = x.dim(-1), rows = GradMath.rows(x);
        checkVector("layerNorm", "weight", weight, d);
        checkVector("layerNorm", "bias", bias, d);
        float[] xd = x.data(), wd = weight == null ? null : weight.data(), bd = bias == null ? null : bias.data();
        float[] y = new float[xd.length];
        if (rows > 0 && d > 0) Norms.layerNormRows(xd, 0, wd, 0, bd, 0, y, 0, rows, d, eps);
        Var out = t.output(y, x.shape(), x, weight, bias);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            float[] mean = new float[rows], rstd = new float[rows];
            float[] dx = x.requiresGrad() ? x.grad() : null;
            Parallel.forRange(rows, GradMath.rowGrain(d), (s, e) -> {
                for (int r = s; r < e; r++) {
                    int o = r * d;
                    float mu = (float) (sumOf(xd, o, d) / d);
                    float rs = (float) (1.0 / Math.sqrt(centeredSquares(xd, o, d, mu) / d + eps));
                    mean[r] = mu;
                    rstd[r] = rs;
                    if (dx != null) layerInputGrad(dy, wd, xd, o, mu, rs, dx, d);
                }
            });
            if (weight != null && weight.requiresGrad()) GradMath.addColumnProducts(dy, xd, mean, rstd, rows, d, weight.grad());
            if (bias != null && bias.requiresGrad()) GradMath.addColumnSums(dy, rows, d, bias.grad());
        }, x, weight, bias);
    }

    private static double sumOf(float[] x, int o, int d) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(d); i < bound; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, o + i));
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < d; i++) total += x[o + i];
        return total;
    }

    private static double centeredSquares(float[] x, int o, int d, float mu) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(d); i < bound; i += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, o + i).sub(mu);
                acc = v.fma(v, acc);
            }
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < d; i++) {
            double v = x[o + i] - mu;
            total += v * v;
        }
        return total;
    }

    /** LayerNorm input gradient of one row: {@code dx += rs·(g − mean(g) − x̂·mean(g·x̂))}, g = dy·w. */
    private static void layerInputGrad(float[] dy, float[] w, float[] x, int o, float mu, float rs, float[] dx, int d) {
        int i = 0;
        double gSum = 0, gxSum = 0; // Σ g and Σ g·(x − mu)
        if (!Simd.SCALAR) {
            FloatVector accG = FloatVector.zero(F), accGx = FloatVector.zero(F);
            for (int bound = F.loopBound(d); i < bound; i += F.length()) {
                FloatVector g = FloatVector.fromArray(F, dy, o + i);
                if (w != null) g = g.mul(FloatVector.fromArray(F, w, i));
                accG = accG.add(g);
                accGx = g.fma(FloatVector.fromArray(F, x, o + i).sub(mu), accGx);
            }
            gSum = accG.reduceLanes(VectorOperators.ADD);
            gxSum = accGx.reduceLanes(VectorOperators.ADD);
        }
        for (; i < d; i++) {
            double g = w == null ? dy[o + i] : (double) dy[o + i] * w[i];
            gSum += g;
            gxSum += g * (x[o + i] - mu);
        }
        float mg = (float) (gSum / d), mgx = (float) (gxSum * rs / d); // mean(g·x̂) = rs·Σ g(x − mu)/d
        float c = rs * mgx; // x̂·mean(g·x̂) = (x − mu)·rs·mgx
        i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(d); i < bound; i += F.length()) {
                FloatVector g = FloatVector.fromArray(F, dy, o + i);
                if (w != null) g = g.mul(FloatVector.fromArray(F, w, i));
                g.sub(mg).sub(FloatVector.fromArray(F, x, o + i).sub(mu).mul(c)).mul(rs)
                        .add(FloatVector.fromArray(F, dx, o + i)).intoArray(dx, o + i);
            }
        }
        for (; i < d; i++) {
            float g = w == null ? dy[o + i] : dy[o + i] * w[i];
            dx[o + i] += rs * (g - mg - (x[o + i] - mu) * c);
        }
    }

    /** {@code sum dy·w·x} over a row (w null = 1), in vector lanes. */
    private static double weightedDot(float[] dy, int o, float[] w, float[] x, int xo, int d) {
        if (w == null) return GradMath.dot(dy, o, x, xo, d);
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(d); i < bound; i += F.length()) {
                acc = FloatVector.fromArray(F, dy, o + i).mul(FloatVector.fromArray(F, w, i))
                        .fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < d; i++) total += (double) dy[o + i] * w[i] * x[xo + i];
        return total;
    }

    /** {@code dx += rs·dy·w − c·x} over one row. */
    private static void rmsInputGrad(float[] dy, float[] w, float[] x, int o, float rs, float c, float[] dx, int d) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(d); i < bound; i += F.length()) {
                FloatVector g = FloatVector.fromArray(F, dy, o + i);
                if (w != null) g = g.mul(FloatVector.fromArray(F, w, i));
                g.mul(rs).sub(FloatVector.fromArray(F, x, o + i).mul(c)).add(FloatVector.fromArray(F, dx, o + i))
                        .intoArray(dx, o + i);
            }
        }
        for (; i < d; i++) {
            float g = w == null ? dy[o + i] : dy[o + i] * w[i];
            dx[o + i] += rs * g - c * x[o + i];
        }
    }

    private static void checkVector(String op, String name, Var v, int d) {
        if (v != null && (v.rank() != 1 || v.dim(0) != d)) {
            throw new IllegalArgumentException(op + ": " + name + " must be [" + d + "], got " + v);
        }
    }
}

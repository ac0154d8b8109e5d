package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;

import java.util.Arrays;
import java.util.List;

/**
 * Adafactor (Shazeer &amp; Stern 2018) as Hugging Face transformers implements it.
 *
 * <p>Tensors of rank ≥ 2 keep factored second moments: one running mean of g²+ε₁ per row and
 * one per column of the last two dimensions (leading dimensions are batch), whose normalized
 * outer product stands in for Adam's v — O(rows+cols) memory instead of O(rows·cols). Rank 0/1
 * tensors keep a full v. With {@code β2(t) = 1 - t^decayRate}:
 * <pre>
 *   U = g / √v̂;   U /= max(1, RMS(U) / clipThreshold);   U *= α_t
 *   m = β1·m + (1-β1)·U (only when β1 &gt; 0);   p -= wd·α_t·p (where decay());   p -= U or m
 * </pre>
 * where {@code α_t = ρ_t · (scaleParameter ? max(ε₂, RMS(p)) : 1)} and {@code ρ_t} is the
 * learning rate passed to {@link #step(double)}, or with {@code relativeStep} the built-in
 * {@code min(warmupInit ? 1e-6·t : 1e-2, 1/√t)} (the argument is then not used).
 */
public final class Adafactor extends AbstractOptimizer {
    /**
     * @param eps1 added to g² (1e-30), @param eps2 floor of the parameter scale (1e-3),
     * @param beta1 first-moment decay; 0 keeps no first moment (HF's {@code beta1=None})
     */
    public record Config(double eps1, double eps2, double clipThreshold, double decayRate, double beta1,
                         double weightDecay, boolean scaleParameter, boolean relativeStep, boolean warmupInit) {
        public Config {
            checkNonNegative("eps1", eps1);
            checkNonNegative("eps2", eps2);
            if (!(clipThreshold > 0)) throw new IllegalArgumentException("clipThreshold must be > 0, got " + clipThreshold);
            if (!(decayRate < 0)) throw new IllegalArgumentException("decayRate must be < 0, got " + decayRate);
            checkBeta("beta1", beta1);
            checkNonNegative("weightDecay", weightDecay);
            if (warmupInit && !relativeStep) throw new IllegalArgumentException("warmupInit requires relativeStep");
        }

        /** HF's defaults: relative step size, parameter scaling, no first moment, no decay. */
        public static Config defaults() { return new Config(1e-30, 1e-3, 1.0, -0.8, 0, 0, true, true, false); }

        /** Driven by an external schedule: the lr passed to step() used as is (HF's T5 fine-tuning advice). */
        public static Config externalLr() { return new Config(1e-30, 1e-3, 1.0, -0.8, 0, 0, false, false, false); }

        public Config withBeta1(double b1) {
            return new Config(eps1, eps2, clipThreshold, decayRate, b1, weightDecay, scaleParameter, relativeStep, warmupInit);
        }

        public Config withWeightDecay(double wd) {
            return new Config(eps1, eps2, clipThreshold, decayRate, beta1, wd, scaleParameter, relativeStep, warmupInit);
        }

        public Config withScaleParameter(boolean on) {
            return new Config(eps1, eps2, clipThreshold, decayRate, beta1, weightDecay, on, relativeStep, warmupInit);
        }
    }

    private final Config config;
    private final float[][] row, col, full, expAvg;
    private final float[] update;

    public Adafactor(List<Parameter> params, Config config) {
        super("adafactor", params);
        this.config = config;
        int n = parameters().size();
        row = new float[n][];
        col = new float[n][];
        full = new float[n][];
        expAvg = new float[n][];
        int largest = 0;
        for (int i = 0; i < n; i++) {
            Parameter p = parameters().get(i);
            long[] shape = p.shape();
            largest = Math.max(largest, p.numel());
            if (config.beta1() > 0) expAvg[i] = addBuffer(p, "exp_avg", shape);
            if (shape.length >= 2) {
                row[i] = addBuffer(p, "exp_avg_sq_row", Arrays.copyOf(shape, shape.length - 1));
                long[] colShape = Arrays.copyOf(shape, shape.length - 1);
                colShape[shape.length - 2] = shape[shape.length - 1];
                col[i] = addBuffer(p, "exp_avg_sq_col", colShape);
            } else {
                full[i] = addBuffer(p, "exp_avg_sq", shape);
            }
        }
        update = new float[largest];
    }

    public Config config() { return config; }

    @Override
    public void step(double lr) {
        if (!config.relativeStep()) checkLr(lr);
        step++;
        double t = step;
        double beta2t = 1.0 - Math.pow(t, config.decayRate());
        double rho = lr;
        if (config.relativeStep()) {
            rho = Math.min(config.warmupInit() ? 1e-6 * t : 1e-2, 1.0 / Math.sqrt(t));
        }
        for (int i = 0; i < row.length; i++) {
            Parameter p = parameters().get(i);
            float[] w = p.data(), g = p.grad();
            int n = w.length;
            if (n == 0) continue;
            double paramScale = config.scaleParameter() ? Math.max(config.eps2(), rms(w, n)) : 1.0;
            double alpha = paramScale * rho;
            if (row[i] != null) factoredDirection(p.shape(), g, row[i], col[i], beta2t);
            else fullDirection(g, full[i], n, beta2t);
            float[] u = update;
            float divisor = (float) Math.max(1.0, rms(u, n) / config.clipThreshold());
            float a = (float) alpha;
            float[] m = expAvg[i];
            float beta1 = (float) config.beta1(), oneMinusBeta1 = (float) (1 - config.beta1());
            float decay = p.decay() && config.weightDecay() != 0 ? (float) (-config.weightDecay() * alpha) : 0f;
            Elementwise.forEach(n, (s, e) -> {
                for (int j = s; j < e; j++) {
                    float uj = u[j] / divisor * a;
                    if (m != null) {
                        uj = m[j] * beta1 + oneMinusBeta1 * uj;
                        m[j] = uj;
                    }
                    float wj = w[j];
                    if (decay != 0f) wj = wj + decay * wj;
                    w[j] = wj - uj;
                }
            });
        }
    }

    /** Updates the row/column means of g²+ε₁ and writes g·rsqrt(v̂) into {@link #update}. */
    private void factoredDirection(long[] shape, float[] g, float[] row, float[] col, double beta2t) {
        int cols = Math.toIntExact(shape[shape.length - 1]);
        int rows = Math.toIntExact(shape[shape.length - 2]);
        int batches = g.length / Math.max(1, rows * cols);
        float keep = (float) beta2t, mix = (float) (1 - beta2t), eps1 = (float) config.eps1();
        double[] colSum = new double[cols];
        for (int b = 0; b < batches; b++) {
            Arrays.fill(colSum, 0);
            int base = b * rows * cols;
            for (int r = 0; r < rows; r++) {
                double rowSum = 0;
                int off = base + r * cols;
                for (int c = 0; c < cols; c++) {
                    float sq = g[off + c] * g[off + c] + eps1;
                    rowSum += sq;
                    colSum[c] += sq;
                }
                int ri = b * rows + r;
                row[ri] = row[ri] * keep + mix * (float) (rowSum / cols);
            }
            for (int c = 0; c < cols; c++) {
                int ci = b * cols + c;
                col[ci] = col[ci] * keep + mix * (float) (colSum[c] / rows);
            }
            double rowMeanSum = 0;
            for (int r = 0; r < rows; r++) rowMeanSum += row[b * rows + r];
            float rowMean = (float) (rowMeanSum / rows);
            for (int r = 0; r < rows; r++) {
                float rf = rsqrt(row[b * rows + r] / rowMean);
                int off = base + r * cols;
                for (int c = 0; c < cols; c++) {
                    update[off + c] = rf * rsqrt(col[b * cols + c]) * g[off + c];
                }
            }
        }
    }

    private void fullDirection(float[] g, float[] v, int n, double beta2t) {
        float keep = (float) beta2t, mix = (float) (1 - beta2t), eps1 = (float) config.eps1();
        float[] u = update;
        Elementwise.forEach(n, (s, e) -> {
            for (int j = s; j < e; j++) {
                float vj = v[j] * keep + mix * (g[j] * g[j] + eps1);
                v[j] = vj;
                u[j] = rsqrt(vj) * g[j];
            }
        });
    }

    private static float rsqrt(float x) { return (float) (1.0 / Math.sqrt(x)); }

    private static double rms(float[] x, int n) {
        return Math.sqrt(Reductions.sumOfSquares(x, 0, n) / n);
    }
}

package dev.jllm.nn.autograd;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jllm.nn.autograd.GradCheck.check;
import static dev.jllm.nn.autograd.GradCheck.constant;
import static dev.jllm.nn.autograd.GradCheck.in;
import static dev.jllm.nn.autograd.GradCheck.random;

/**
 * Every op's backward against central differences of an independent float64 reference of
 * its forward (plain loops below), on small random inputs.
 */
class OpGradientTest {
    private static final double TOL = 2e-4;
    private final Random rnd = new Random(42);

    // ---- references ---------------------------------------------------------------------

    /** y[r, i] = Σ_p x[r, p] W[i, p] + b[i]. */
    static double[] linearRef(double[] x, double[] w, double[] b, int n, int k, int m) {
        double[] y = new double[n * m];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < m; i++) {
                double s = b == null ? 0 : b[i];
                for (int p = 0; p < k; p++) s += x[r * k + p] * w[i * k + p];
                y[r * m + i] = s;
            }
        }
        return y;
    }

    /** Element (i, j) of a stored rows x cols matrix, read as its transpose when trans. */
    private static double at(double[] a, int off, int cols, boolean trans, int i, int j) {
        return trans ? a[off + j * cols + i] : a[off + i * cols + j];
    }

    static double[] matmulRef(double[] a, boolean ta, double[] b, boolean tb, int batch, boolean aBatched, boolean bBatched,
                              int m, int n, int k) {
        double[] c = new double[batch * m * n];
        int aCols = ta ? m : k, bCols = tb ? k : n;
        for (int z = 0; z < batch; z++) {
            int ao = aBatched ? z * m * k : 0, bo = bBatched ? z * k * n : 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += at(a, ao, aCols, ta, i, p) * at(b, bo, bCols, tb, p, j);
                    c[z * m * n + i * n + j] = s;
                }
            }
        }
        return c;
    }

    static double[] rmsNormRef(double[] x, double[] w, int d, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / d; r++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += x[r * d + j] * x[r * d + j];
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) y[r * d + j] = x[r * d + j] * inv * (w == null ? 1 : w[j]);
        }
        return y;
    }

    static double[] layerNormRef(double[] x, double[] w, double[] b, int d, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / d; r++) {
            double mean = 0, var = 0;
            for (int j = 0; j < d; j++) mean += x[r * d + j];
            mean /= d;
            for (int j = 0; j < d; j++) var += (x[r * d + j] - mean) * (x[r * d + j] - mean);
            double inv = 1 / Math.sqrt(var / d + eps);
            for (int j = 0; j < d; j++) {
                y[r * d + j] = (x[r * d + j] - mean) * inv * (w == null ? 1 : w[j]) + (b == null ? 0 : b[j]);
            }
        }
        return y;
    }

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** erf by its Maclaurin series (inputs here stay within |x| <= 3, where it converges well in double). */
    static double erf(double x) {
        double term = x, sum = x;
        for (int k = 1; k < 200; k++) {
            term *= -x * x / k;
            sum += term / (2 * k + 1);
            if (Math.abs(term) < 1e-18) break;
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    static double[] softmaxRef(double[] x, int n) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double max = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < n; j++) max = Math.max(max, x[r * n + j]);
            for (int j = 0; j < n; j++) s += Math.exp(x[r * n + j] - max);
            for (int j = 0; j < n; j++) y[r * n + j] = Math.exp(x[r * n + j] - max) / s;
        }
        return y;
    }

    /** Mean over counted rows of lse − logit[target] + z·lse². */
    static double crossEntropyRef(double[] logits, int[] targets, int vocab, double z, int ignore) {
        return crossEntropyRef(logits, targets, vocab, z, ignore, 0);
    }

    /** With label smoothing ε: mean of (1 − ε)(lse − logit[target]) + ε·Σ_j (lse − logit_j)/V + z·lse². */
    static double crossEntropyRef(double[] logits, int[] targets, int vocab, double z, int ignore, double eps) {
        double total = 0;
        int count = 0;
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] == ignore) continue;
            double max = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < vocab; j++) max = Math.max(max, logits[r * vocab + j]);
            for (int j = 0; j < vocab; j++) s += Math.exp(logits[r * vocab + j] - max);
            double lse = max + Math.log(s);
            double uniform = 0;
            for (int j = 0; j < vocab; j++) uniform += (lse - logits[r * vocab + j]) / vocab;
            total += (1 - eps) * (lse - logits[r * vocab + targets[r]]) + eps * uniform + z * lse * lse;
            count++;
        }
        return count == 0 ? 0 : total / count;
    }

    private static double[] map(double[] x, java.util.function.DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
        return y;
    }

    // ---- matmul family ------------------------------------------------------------------

    @Test
    void linearWithBiasOverARank3Input() {
        int n1 = 2, n2 = 3, k = 5, m = 4;
        check("linear", (t, v) -> LinearOps.linear(t, v[0], v[1], v[2]),
                r -> linearRef(r[0], r[1], r[2], n1 * n2, k, m), TOL,
                in(random(rnd, n1 * n2 * k, 1), n1, n2, k), in(random(rnd, m * k, 1), m, k), in(random(rnd, m, 1), m));
    }

    @Test
    void linearWithoutBiasAndAConstantInput() {
        int n = 7, k = 6, m = 9;
        check("linear-nobias", (t, v) -> LinearOps.linear(t, v[0], v[1], null),
                r -> linearRef(r[0], r[1], null, n, k, m), TOL,
                constant(random(rnd, n * k, 1), n, k), in(random(rnd, m * k, 1), m, k));
    }

    @Test
    void matmulEveryTransposeCombination() {
        int m = 5, n = 6, k = 7; // sizes above 4 take the blocked GEMM path
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                int[] sa = ta ? new int[] {k, m} : new int[] {m, k};
                int[] sb = tb ? new int[] {n, k} : new int[] {k, n};
                check("matmul ta=" + ta + " tb=" + tb, (t, v) -> LinearOps.matmul(t, v[0], ta, v[1], tb),
                        r -> matmulRef(r[0], ta, r[1], tb, 1, false, false, m, n, k), TOL,
                        in(random(rnd, m * k, 1), sa), in(random(rnd, k * n, 1), sb));
            }
        }
    }

    @Test
    void matmulThinShapesUseTheMatrixVectorPath() {
        int m = 2, n = 9, k = 3;
        check("matmul thin", (t, v) -> LinearOps.matmul(t, v[0], false, v[1], true),
                r -> matmulRef(r[0], false, r[1], true, 1, false, false, m, n, k), TOL,
                in(random(rnd, m * k, 1), m, k), in(random(rnd, n * k, 1), n, k));
    }

    @Test
    void batchedMatmulAndASharedRightOperand() {
        int batch = 3, m = 5, n = 6, k = 4;
        check("bmm", (t, v) -> LinearOps.matmul(t, v[0], false, v[1], true),
                r -> matmulRef(r[0], false, r[1], true, batch, true, true, m, n, k), TOL,
                in(random(rnd, batch * m * k, 1), batch, m, k), in(random(rnd, batch * n * k, 1), batch, n, k));
        check("bmm shared B", (t, v) -> LinearOps.matmul(t, v[0], true, v[1], false),
                r -> matmulRef(r[0], true, r[1], false, batch, true, false, m, n, k), TOL,
                in(random(rnd, batch * m * k, 1), batch, k, m), in(random(rnd, n * k, 1), k, n));
    }

    // ---- embedding, norms ---------------------------------------------------------------

    @Test
    void embeddingScatterAddsRepeatedIds() {
        int vocab = 6, dim = 5;
        int[] ids = {3, 1, 3, 0, 5, 3};
        check("embedding", (t, v) -> EmbeddingOp.lookup(t, v[0], ids, 2, 3),
                r -> {
                    double[] y = new double[ids.length * dim];
                    for (int i = 0; i < ids.length; i++) System.arraycopy(r[0], ids[i] * dim, y, i * dim, dim);
                    return y;
                }, 1e-6, in(random(rnd, vocab * dim, 1), vocab, dim));
    }

    @Test
    void rmsNormWithAndWithoutWeight() {
        int rows = 4, d = 11;
        check("rmsNorm", (t, v) -> NormOps.rmsNorm(t, v[0], v[1], 1e-5f), r -> rmsNormRef(r[0], r[1], d, 1e-5), TOL,
                in(random(rnd, rows * d, 2), rows, d), in(random(rnd, d, 1.5), d));
        check("rmsNorm no weight", (t, v) -> NormOps.rmsNorm(t, v[0], null, 1e-6f), r -> rmsNormRef(r[0], null, d, 1e-6), TOL,
                in(random(rnd, rows * d, 2), rows, d));
    }

    @Test
    void layerNormWeightAndBias() {
        int rows = 5, d = 9;
        check("layerNorm", (t, v) -> NormOps.layerNorm(t, v[0], v[1], v[2], 1e-5f),
                r -> layerNormRef(r[0], r[1], r[2], d, 1e-5), TOL,
                in(random(rnd, rows * d, 2), rows, d), in(random(rnd, d, 1.5), d), in(random(rnd, d, 1), d));
    }

    // ---- activations ----------------------------------------------------------------------

    @Test
    void siluGeluAndTanhGelu() {
        int n = 37; // not a multiple of the vector width: the scalar tail runs too
        check("silu", (t, v) -> ActivationOps.silu(t, v[0]), r -> map(r[0], x -> x * sigmoid(x)), TOL,
                in(random(rnd, n, 3), n));
        check("gelu", (t, v) -> ActivationOps.gelu(t, v[0]), r -> map(r[0], x -> 0.5 * x * (1 + erf(x / Math.sqrt(2)))), TOL,
                in(random(rnd, n, 2.5), n));
        double c = Math.sqrt(2 / Math.PI);
        check("geluTanh", (t, v) -> ActivationOps.geluTanh(t, v[0]),
                r -> map(r[0], x -> 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x * x * x)))), TOL,
                in(random(rnd, n, 3), n));
    }

    @Test
    void swigluGatesBothInputs() {
        int rows = 3, d = 13;
        check("swiglu", (t, v) -> ActivationOps.swiglu(t, v[0], v[1]),
                r -> {
                    double[] y = new double[r[0].length];
                    for (int i = 0; i < y.length; i++) y[i] = r[0][i] * sigmoid(r[0][i]) * r[1][i];
                    return y;
                }, TOL, in(random(rnd, rows * d, 3), rows, d), in(random(rnd, rows * d, 2), rows, d));
    }

    @Test
    void softmaxOverTheLastDimension() {
        int rows = 4, n = 10;
        check("softmax", (t, v) -> ActivationOps.softmax(t, v[0]), r -> softmaxRef(r[0], n), TOL,
                in(random(rnd, rows * n, 3), 2, 2, n));
    }

    // ---- arithmetic ---------------------------------------------------------------------

    @Test
    void addAndMulSameShapeAndRowBroadcast() {
        int rows = 4, n = 7;
        check("add", (t, v) -> ArithmeticOps.add(t, v[0], v[1]), r -> {
            double[] y = new double[r[0].length];
            for (int i = 0; i < y.length; i++) y[i] = r[0][i] + r[1][i];
            return y;
        }, TOL, in(random(rnd, rows * n, 1), rows, n), in(random(rnd, rows * n, 1), rows, n));
        check("add bias", (t, v) -> ArithmeticOps.add(t, v[0], v[1]), r -> {
            double[] y = new double[r[0].length];
            for (int i = 0; i < y.length; i++) y[i] = r[0][i] + r[1][i % n];
            return y;
        }, TOL, in(random(rnd, rows * n, 1), rows, n), in(random(rnd, n, 1), n));
        check("mul", (t, v) -> ArithmeticOps.mul(t, v[0], v[1]), r -> {
            double[] y = new double[r[0].length];
            for (int i = 0; i < y.length; i++) y[i] = r[0][i] * r[1][i];
            return y;
        }, TOL, in(random(rnd, rows * n, 1), rows, n), in(random(rnd, rows * n, 1), rows, n));
        check("mul broadcast", (t, v) -> ArithmeticOps.mul(t, v[0], v[1]), r -> {
            double[] y = new double[r[0].length];
            for (int i = 0; i < y.length; i++) y[i] = r[0][i] * r[1][i % n];
            return y;
        }, TOL, in(random(rnd, rows * n, 1), rows, n), in(random(rnd, n, 1), n));
        check("scale-sub", (t, v) -> ArithmeticOps.sub(t, ArithmeticOps.scale(t, v[0], 2.5f), v[1]), r -> {
            double[] y = new double[r[0].length];
            for (int i = 0; i < y.length; i++) y[i] = 2.5 * r[0][i] - r[1][i];
            return y;
        }, TOL, in(random(rnd, rows * n, 1), rows, n), in(random(rnd, rows * n, 1), rows, n));
    }

    // ---- cross-entropy -------------------------------------------------------------------

    @Test
    void fusedLinearCrossEntropyChunkedWithIgnoreAndZLoss() {
        int n = 9, d = 6, vocab = 23;
        int[] targets = {4, -100, 22, 0, 7, -100, 7, 13, 1};
        for (boolean eager : new boolean[] {false, true}) {
            CrossEntropy.Options o = CrossEntropy.Options.defaults().withChunks(4, 10).withZLoss(0.01f).withGradInForward(eager);
            check("fused CE eager=" + eager, (t, v) -> CrossEntropy.linear(t, v[0], v[1], targets, o).loss(),
                    r -> new double[] {crossEntropyRef(linearRef(r[0], r[1], null, n, d, vocab), targets, vocab, 0.01, -100)},
                    TOL, in(random(rnd, n * d, 1.5), n, d), in(random(rnd, vocab * d, 1.5), vocab, d));
        }
    }

    @Test
    void aResidualBlockWhoseInputFeedsTwoBranchesAccumulatesBothGradients() {
        // out = CE((x + W2·swiglu(W1g·rms(x), W1u·rms(x))) · Wo) — x and rms(x) are each used twice
        int n = 4, d = 6, f = 5, vocab = 7;
        int[] targets = {3, -100, 6, 0};
        check("residual block", (t, v) -> {
            Var h = NormOps.rmsNorm(t, v[0], v[1], 1e-5f);
            Var y = ActivationOps.swiglu(t, LinearOps.linear(t, h, v[2], null), LinearOps.linear(t, h, v[3], null));
            Var x2 = ArithmeticOps.add(t, v[0], LinearOps.linear(t, y, v[4], null));
            return CrossEntropy.linear(t, x2, v[5], targets).loss();
        }, r -> {
            double[] h = rmsNormRef(r[0], r[1], d, 1e-5);
            double[] g = linearRef(h, r[2], null, n, d, f), u = linearRef(h, r[3], null, n, d, f);
            double[] y = new double[n * f];
            for (int i = 0; i < y.length; i++) y[i] = g[i] * sigmoid(g[i]) * u[i];
            double[] down = linearRef(y, r[4], null, n, f, d);
            double[] x2 = new double[n * d];
            for (int i = 0; i < x2.length; i++) x2[i] = r[0][i] + down[i];
            return new double[] {crossEntropyRef(linearRef(x2, r[5], null, n, d, vocab), targets, vocab, 0, -100)};
        }, TOL, in(random(rnd, n * d, 1.5), n, d), in(random(rnd, d, 1.5), d), in(random(rnd, f * d, 1), f, d),
                in(random(rnd, f * d, 1), f, d), in(random(rnd, d * f, 1), d, f), in(random(rnd, vocab * d, 1), vocab, d));
    }

    @Test
    void labelSmoothingInBothModesAndOnLogits() {
        int n = 6, d = 5, vocab = 13;
        int[] targets = {12, -100, 0, 4, 4, 9};
        for (boolean eager : new boolean[] {false, true}) {
            CrossEntropy.Options o = CrossEntropy.Options.defaults().withChunks(4, 5).withZLoss(0.02f)
                    .withLabelSmoothing(0.1f).withGradInForward(eager);
            check("smoothed CE eager=" + eager, (t, v) -> CrossEntropy.linear(t, v[0], v[1], targets, o).loss(),
                    r -> new double[] {crossEntropyRef(linearRef(r[0], r[1], null, n, d, vocab), targets, vocab, 0.02, -100, 0.1)},
                    TOL, in(random(rnd, n * d, 1.5), n, d), in(random(rnd, vocab * d, 1.5), vocab, d));
        }
        CrossEntropy.Options o = CrossEntropy.Options.defaults().withLabelSmoothing(0.25f);
        check("smoothed CE logits", (t, v) -> CrossEntropy.logits(t, v[0], targets, o).loss(),
                r -> new double[] {crossEntropyRef(r[0], targets, vocab, 0, -100, 0.25)}, TOL, in(random(rnd, n * vocab, 3), n, vocab));
    }

    @Test
    void fusedTokenLogProbsTakeAnyUpstreamGradient() {
        int n = 7, d = 5, vocab = 19;
        int[] targets = {18, 0, -100, 5, 5, 11, 2};
        CrossEntropy.Options o = CrossEntropy.Options.defaults().withChunks(3, 8);
        check("token log-probs", (t, v) -> CrossEntropy.tokenLogProbs(t, v[0], v[1], targets, o), r -> {
            double[] logits = linearRef(r[0], r[1], null, n, d, vocab), lp = new double[n];
            for (int i = 0; i < n; i++) {
                if (targets[i] == -100) continue;
                double[] row = java.util.Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
                lp[i] = -crossEntropyRef(row, new int[] {targets[i]}, vocab, 0, -100);
            }
            return lp;
        }, TOL, in(random(rnd, n * d, 1.5), n, d), in(random(rnd, vocab * d, 1.5), vocab, d));
    }

    @Test
    void crossEntropyOnLogits() {
        int n = 5, vocab = 17;
        int[] targets = {16, 3, -100, 0, 9};
        CrossEntropy.Options o = CrossEntropy.Options.defaults().withZLoss(1e-3f);
        check("CE logits", (t, v) -> CrossEntropy.logits(t, v[0], targets, o).loss(),
                r -> new double[] {crossEntropyRef(r[0], targets, vocab, 1e-3, -100)}, TOL,
                in(random(rnd, n * vocab, 4), n, vocab));
    }
}

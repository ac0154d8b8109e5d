package dev.jllm.nn.autograd;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jllm.nn.autograd.GradCheck.check;
import static dev.jllm.nn.autograd.GradCheck.in;
import static dev.jllm.nn.autograd.GradCheck.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shape ops, dropout and MoE routing against float64 references and central differences. */
class ShapeAndRoutingGradientTest {
    private static final double TOL = 2e-4;
    private final Random rnd = new Random(7);

    @Test
    void reshapeSharesDataAndGradient() {
        Tape t = new Tape();
        Var x = Var.of(random(rnd, 12, 1), 3, 4);
        Var y = ShapeOps.reshape(t, x, 2, -1);
        assertThat(y.shape()).containsExactly(2, 6);
        assertThat(y.data()).isSameAs(x.data());
        Var s = ArithmeticOps.sum(t, ArithmeticOps.scale(t, y, 3f));
        t.backward(s, 1f);
        assertThat(x.grad()).containsOnly(3f);
        assertThatThrownBy(() -> ShapeOps.reshape(t, x, 5, -1)).hasMessageContaining("cannot reshape");
    }

    @Test
    void permuteTransposeAndHeadSplit() {
        int a = 2, b = 3, c = 4;
        check("permute 201", (t, v) -> ShapeOps.permute(t, v[0], 2, 0, 1), r -> {
            double[] y = new double[a * b * c];
            for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) for (int k = 0; k < c; k++) {
                y[k * a * b + i * b + j] = r[0][i * b * c + j * c + k];
            }
            return y;
        }, TOL, in(random(rnd, a * b * c, 1), a, b, c));
        check("transpose", (t, v) -> ShapeOps.transpose(t, v[0]), r -> {
            double[] y = new double[b * c];
            for (int i = 0; i < b; i++) for (int j = 0; j < c; j++) y[j * b + i] = r[0][i * c + j];
            return y;
        }, TOL, in(random(rnd, b * c, 1), b, c));
        int tokens = 3, heads = 2, dim = 4;
        check("splitHeads", (t, v) -> ShapeOps.splitHeads(t, ArithmeticOps.scale(t, v[0], 1f), heads), r -> {
            double[] y = new double[tokens * heads * dim];
            for (int s = 0; s < tokens; s++) for (int h = 0; h < heads; h++) for (int d = 0; d < dim; d++) {
                y[h * tokens * dim + s * dim + d] = r[0][s * heads * dim + h * dim + d];
            }
            return y;
        }, TOL, in(random(rnd, tokens * heads * dim, 1), tokens, heads * dim));
        check("mergeHeads∘splitHeads", (t, v) -> ShapeOps.mergeHeads(t, ShapeOps.splitHeads(t, v[0], heads)),
                r -> r[0].clone(), TOL, in(random(rnd, tokens * heads * dim, 1), tokens, heads * dim));
    }

    @Test
    void sliceAndConcatAlongAMiddleDimension() {
        int a = 2, b = 5, c = 3;
        check("slice", (t, v) -> ShapeOps.slice(t, v[0], 1, 1, 4), r -> {
            double[] y = new double[a * 3 * c];
            for (int i = 0; i < a; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < c; k++) {
                y[i * 3 * c + j * c + k] = r[0][i * b * c + (j + 1) * c + k];
            }
            return y;
        }, TOL, in(random(rnd, a * b * c, 1), a, b, c));
        check("concat", (t, v) -> ShapeOps.concat(t, 1, v[0], v[1]), r -> {
            double[] y = new double[a * (2 + 3) * c];
            for (int i = 0; i < a; i++) {
                System.arraycopy(r[0], i * 2 * c, y, i * 5 * c, 2 * c);
                System.arraycopy(r[1], i * 3 * c, y, i * 5 * c + 2 * c, 3 * c);
            }
            return y;
        }, TOL, in(random(rnd, a * 2 * c, 1), a, 2, c), in(random(rnd, a * 3 * c, 1), a, 3, c));
    }

    @Test
    void dropoutKeepsAboutOneMinusPScalesAndIsSeeded() {
        int n = 20000;
        float p = 0.3f;
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        Tape t = new Tape();
        Var x = Var.of(ones.clone(), n);
        Var y = Dropout.apply(t, x, p, 1234L, true);
        int kept = 0;
        for (float v : y.data()) {
            if (v != 0) {
                assertThat(v).isEqualTo(1f / (1f - p));
                kept++;
            }
        }
        assertThat(kept / (double) n).isCloseTo(0.7, org.assertj.core.data.Offset.offset(0.015));
        assertThat(Dropout.apply(new Tape(), Var.of(ones.clone(), n), p, 1234L, true).data()).containsExactly(y.data());
        assertThat(Dropout.apply(new Tape(), Var.of(ones.clone(), n), p, 99L, true).data()).isNotEqualTo(y.data());
        float[] dy = random(rnd, n, 1);
        t.backward(y, dy);
        for (int i = 0; i < n; i++) assertThat(x.grad()[i]).isEqualTo(y.data()[i] != 0 ? dy[i] * (1f / (1f - p)) : 0f);
        assertThat(Dropout.apply(t, x, p, 1L, false)).isSameAs(x);
        assertThat(Dropout.apply(t, x, 0f, 1L, true)).isSameAs(x);
        assertThatThrownBy(() -> Dropout.apply(t, x, 1f, 1L, true)).hasMessageContaining("[0, 1)");
    }

    /** Indices of the k largest of row r (ties to the lower index), as the reference picks them. */
    static int[] topK(double[] x, int off, int n, int k) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (p, q) -> x[off + p] != x[off + q] ? Double.compare(x[off + q], x[off + p]) : p - q);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        return out;
    }

    /** Reference gates [n, k]: softmax over the selection, or full-softmax probabilities. */
    static double[] gatesRef(double[] x, int n, int e, int k, boolean renormalize) {
        double[] g = new double[n * k];
        for (int r = 0; r < n; r++) {
            int[] sel = topK(x, r * e, e, k);
            double z = 0;
            if (renormalize) for (int s : sel) z += Math.exp(x[r * e + s]);
            else for (int i = 0; i < e; i++) z += Math.exp(x[r * e + i]);
            for (int j = 0; j < k; j++) g[r * k + j] = Math.exp(x[r * e + sel[j]]) / z;
        }
        return g;
    }

    @Test
    void topKGatesCarryTheGradientToTheRouter() {
        int n = 6, e = 5, k = 2;
        for (boolean renorm : new boolean[] {true, false}) {
            check("moe gates renorm=" + renorm, (t, v) -> MoeRouting.topK(t, v[0], k, renorm).gates(),
                    r -> gatesRef(r[0], n, e, k, renorm), TOL, in(random(rnd, n * e, 2), n, e));
        }
        MoeRouting.Routing routing = MoeRouting.topK(new Tape(), Var.constant(new float[] {0, 3, 1, 3, -1, 2}, 2, 3), 2, true);
        assertThat(routing.experts()).containsExactly(1, 2, 0, 2); // rows [0, 3, 1] and [3, -1, 2], best first
        assertThat(routing.tokensOf(2)).containsExactly(0, 1);
    }

    @Test
    void combineWeighsExpertOutputsByTheirGates() {
        int n = 5, e = 4, k = 2, dim = 3;
        check("moe combine", (t, v) -> {
            MoeRouting.Routing routing = MoeRouting.topK(t, v[0], k, true);
            Var[] outs = new Var[e];
            for (int x = 0; x < e; x++) {
                int[] rows = routing.tokensOf(x);
                for (int i = 0; i < rows.length; i++) rows[i] += x * n; // expert x's output for token t is row x·n + t
                outs[x] = EmbeddingOp.lookup(t, v[1], rows);
            }
            return MoeRouting.combine(t, routing, outs, dim);
        }, r -> {
            double[] g = gatesRef(r[0], n, e, k, true);
            double[] y = new double[n * dim];
            for (int tk = 0; tk < n; tk++) {
                int[] sel = topK(r[0], tk * e, e, k);
                for (int j = 0; j < k; j++) {
                    for (int d = 0; d < dim; d++) y[tk * dim + d] += g[tk * k + j] * r[1][(sel[j] * n + tk) * dim + d];
                }
            }
            return y;
        }, TOL, in(random(rnd, n * e, 2), n, e), in(random(rnd, e * n * dim, 1), e * n, dim));
    }

    @Test
    void loadBalancingLossIsSwitchStyle() {
        int n = 8, e = 4, k = 2;
        check("load balancing", (t, v) -> MoeRouting.loadBalancingLoss(t, v[0], MoeRouting.topK(t, v[0], k, true)), r -> {
            double[] f = new double[e], p = new double[e];
            for (int tk = 0; tk < n; tk++) {
                for (int s : topK(r[0], tk * e, e, k)) f[s] += 1.0 / n;
                double z = 0;
                for (int i = 0; i < e; i++) z += Math.exp(r[0][tk * e + i]);
                for (int i = 0; i < e; i++) p[i] += Math.exp(r[0][tk * e + i]) / z / n;
            }
            double loss = 0;
            for (int i = 0; i < e; i++) loss += f[i] * p[i];
            return new double[] {e * loss};
        }, TOL, in(random(rnd, n * e, 2), n, e));
        // uniform router: every expert equally likely and (k = 1, one token each) equally loaded → loss 1
        Var uniform = Var.of(new float[16], 4, 4);
        float[] eye = new float[16];
        for (int i = 0; i < 4; i++) eye[i * 4 + i] = 1e-3f;
        Var peaked = Var.of(eye, 4, 4);
        Tape t = new Tape();
        assertThat(MoeRouting.loadBalancingLoss(t, uniform, MoeRouting.topK(t, peaked, 1, true)).data()[0])
                .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
    }
}

package dev.jllm.nn.autograd;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tiled attention against a plain double-precision attention written here (every score,
 * an explicit mask, a softmax per row), its gradients against central finite differences of
 * that reference, and both against PyTorch (tools/train/attention_rope_golden.py).
 */
class AttentionOpTest {

    /** Shapes of one case. */
    record Case(int batch, int seq, int heads, int kvHeads, int headDim, int window) {
        Case(int batch, int seq, int heads, int kvHeads, int headDim) { this(batch, seq, heads, kvHeads, headDim, 0); }

        int qn() { return batch * seq * heads * headDim; }
        int kvn() { return batch * seq * kvHeads * headDim; }
    }

    /** The reference: out[b,i,h] = sum_j softmax_j(scale q.k_j | visible) v_j, zeros when nothing is visible. */
    static double[] reference(Case c, double[] q, double[] k, double[] v, int[] docs, double scale) {
        double[] out = new double[c.qn()];
        int group = c.heads / c.kvHeads, hd = c.headDim;
        for (int b = 0; b < c.batch; b++) {
            for (int h = 0; h < c.heads; h++) {
                int kh = h / group;
                for (int i = 0; i < c.seq; i++) {
                    double[] s = new double[c.seq];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < c.seq; j++) {
                        s[j] = Double.NEGATIVE_INFINITY;
                        if (!visible(c, docs, b, i, j)) continue;
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[((b * c.seq + i) * c.heads + h) * hd + d] * k[((b * c.seq + j) * c.kvHeads + kh) * hd + d];
                        }
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    if (max == Double.NEGATIVE_INFINITY) continue;
                    double sum = 0;
                    for (int j = 0; j < c.seq; j++) sum += Math.exp(s[j] - max);
                    for (int j = 0; j < c.seq; j++) {
                        double p = Math.exp(s[j] - max) / sum;
                        if (p == 0) continue;
                        for (int d = 0; d < hd; d++) {
                            out[((b * c.seq + i) * c.heads + h) * hd + d] += p * v[((b * c.seq + j) * c.kvHeads + kh) * hd + d];
                        }
                    }
                }
            }
        }
        return out;
    }

    static boolean visible(Case c, int[] docs, int b, int i, int j) {
        if (j > i || (c.window > 0 && i - j >= c.window)) return false;
        if (docs == null) return true;
        int di = docs[b * c.seq + i], dj = docs[b * c.seq + j];
        return di >= 0 && di == dj;
    }

    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    static double lossOf(double[] out, float[] w) {
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * w[i];
        return s;
    }

    /** Runs the op, backpropagates {@code sum(out * w)}; returns {out, dq, dk, dv}. */
    static float[][] run(Case c, float[] q, float[] k, float[] v, int[] docs, float[] w) {
        Tape tape = new Tape();
        Var qv = Var.of(q.clone(), c.batch, c.seq, c.heads, c.headDim);
        Var kv = Var.of(k.clone(), c.batch, c.seq, c.kvHeads, c.headDim);
        Var vv = Var.of(v.clone(), c.batch, c.seq, c.kvHeads, c.headDim);
        Var out = AttentionOp.attention(tape, qv, kv, vv, docs, c.window, (float) (1 / Math.sqrt(c.headDim)));
        Var loss = Var.of(new float[1], 1);
        float[] o = out.data();
        tape.record(loss, () -> {
            float[] g = out.grad();
            for (int i = 0; i < g.length; i++) g[i] += loss.grad()[0] * w[i];
        }, out);
        tape.backward(loss, 1f);
        return new float[][] {o, qv.grad(), kv.grad(), vv.grad()};
    }

    static void assertForwardMatches(Case c, int[] docs, long seed) {
        Random r = new Random(seed);
        float[] q = random(r, c.qn()), k = random(r, c.kvn()), v = random(r, c.kvn()), w = random(r, c.qn());
        float[] got = run(c, q, k, v, docs, w)[0];
        double[] want = reference(c, toDouble(q), toDouble(k), toDouble(v), docs, 1 / Math.sqrt(c.headDim));
        for (int i = 0; i < want.length; i++) {
            assertThat((double) got[i]).as("out[%d]", i).isCloseTo(want[i], org.assertj.core.api.Assertions.within(2e-5));
        }
    }

    @Test
    void plainCausalAttentionAcrossSeveralTilesMatchesTheReference() {
        assertForwardMatches(new Case(2, 150, 4, 2, 16), null, 1);
        assertForwardMatches(new Case(1, 97, 3, 3, 20), null, 2); // head not a multiple of the vector width
        assertForwardMatches(new Case(1, 9, 4, 1, 5), null, 3);   // multi-query, tiny head: scalar tails
    }

    @Test
    void documentMaskAndPaddingMatchTheReference() {
        Case c = new Case(2, 140, 4, 2, 16);
        int[] packed = new int[c.batch * c.seq];
        for (int i = 0; i < c.seq; i++) {
            packed[i] = i < 37 ? 0 : i < 100 ? 1 : 2;                                   // three packed documents
            packed[c.seq + i] = i < 5 ? -1 : i < 70 ? 7 : i < 120 ? 3 : -1;             // left and right padding
        }
        assertForwardMatches(c, packed, 4);
        int[] interleaved = new int[c.batch * c.seq];
        for (int i = 0; i < interleaved.length; i++) interleaved[i] = (i / 11) % 3 == 2 ? -1 : (i / 7) % 2; // ids resume
        assertForwardMatches(c, interleaved, 5);
        assertForwardMatches(new Case(2, 140, 4, 2, 16, 50), packed, 6); // sliding window inside documents
        assertForwardMatches(new Case(1, 130, 2, 2, 16, 64), null, 7);
    }

    /** Analytic gradients against central differences of the double reference at sampled coordinates. */
    static void assertGradientsMatch(Case c, int[] docs, long seed) {
        Random r = new Random(seed);
        float[] q = random(r, c.qn()), k = random(r, c.kvn()), v = random(r, c.kvn()), w = random(r, c.qn());
        float[][] got = run(c, q, k, v, docs, w);
        double scale = 1 / Math.sqrt(c.headDim);
        double[][] inputs = {toDouble(q), toDouble(k), toDouble(v)};
        String[] names = {"dq", "dk", "dv"};
        double eps = 1e-4;
        for (int which = 0; which < 3; which++) {
            double[] x = inputs[which];
            for (int sample = 0; sample < 40; sample++) {
                int at = r.nextInt(x.length);
                double keep = x[at];
                x[at] = keep + eps;
                double plus = lossOf(reference(c, inputs[0], inputs[1], inputs[2], docs, scale), w);
                x[at] = keep - eps;
                double minus = lossOf(reference(c, inputs[0], inputs[1], inputs[2], docs, scale), w);
                x[at] = keep;
                double want = (plus - minus) / (2 * eps);
                assertThat((double) got[which + 1][at]).as("%s[%d]", names[which], at)
                        .isCloseTo(want, org.assertj.core.api.Assertions.within(1e-4 * (1 + Math.abs(want))));
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        assertGradientsMatch(new Case(2, 70, 4, 2, 20), null, 10);
        assertGradientsMatch(new Case(1, 6, 2, 1, 4), null, 11);
    }

    @Test
    void gradientsWithDocumentsAndPaddingMatchFiniteDifferences() {
        Case c = new Case(2, 70, 2, 1, 16);
        int[] docs = new int[c.batch * c.seq];
        for (int i = 0; i < c.seq; i++) {
            docs[i] = i < 30 ? 4 : 9;
            docs[c.seq + i] = i < 3 ? -1 : i < 40 ? (i % 5 == 0 ? 2 : 1) : i < 66 ? 2 : -1;
        }
        assertGradientsMatch(c, docs, 12);
        assertGradientsMatch(new Case(2, 70, 2, 1, 16, 20), docs, 13);
        float[][] got = run(c, random(new Random(1), c.qn()), random(new Random(2), c.kvn()), random(new Random(3), c.kvn()),
                docs, random(new Random(4), c.qn()));
        int padRow = c.seq + 1; // batch 1, token 1: padding, so no output and no gradient
        for (int d = 0; d < c.heads * c.headDim; d++) {
            assertThat(got[0][padRow * c.heads * c.headDim + d]).isZero();
            assertThat(got[1][padRow * c.heads * c.headDim + d]).isZero();
        }
        for (int d = 0; d < c.kvHeads * c.headDim; d++) {
            assertThat(got[2][padRow * c.kvHeads * c.headDim + d]).isZero();
            assertThat(got[3][padRow * c.kvHeads * c.headDim + d]).isZero();
        }
    }

    @Test
    void matchesPyTorch() throws Exception {
        AttentionGoldens g = AttentionGoldens.load("attention_rope_golden.txt");
        for (String prefix : new String[] {"attn_causal", "attn_docs"}) {
            int[] shape = g.ints(prefix + ".shape"); // batch, seq, heads, kvHeads, headDim
            Case c = new Case(shape[0], shape[1], shape[2], shape[3], shape[4]);
            int[] docs = g.has(prefix + ".docs") ? g.ints(prefix + ".docs") : null;
            float[][] got = run(c, g.floats(prefix + ".q"), g.floats(prefix + ".k"), g.floats(prefix + ".v"), docs,
                    g.floats(prefix + ".w"));
            String[] names = {"out", "dq", "dk", "dv"};
            for (int i = 0; i < 4; i++) {
                AttentionGoldens.assertClose(got[i], g.floats(prefix + "." + names[i]), 2e-5, prefix + "." + names[i]);
            }
        }
    }

    @Test
    void shapesThatDisagreeAreNamed() {
        Tape tape = new Tape();
        Var q = Var.of(new float[2 * 3 * 4 * 8], 2, 3, 4, 8);
        assertThatThrownBy(() -> AttentionOp.attention(tape, q, Var.of(new float[2 * 3 * 3 * 8], 2, 3, 3, 8),
                Var.of(new float[2 * 3 * 3 * 8], 2, 3, 3, 8), null)).hasMessageContaining("kv heads 3 must divide heads 4");
        assertThatThrownBy(() -> AttentionOp.attention(tape, q, Var.of(new float[2 * 3 * 2 * 8], 2, 3, 2, 8),
                Var.of(new float[2 * 3 * 2 * 4], 2, 3, 2, 4), null)).hasMessageContaining("must be [2, 3, kvHeads, 8]");
        Var kv = Var.of(new float[2 * 3 * 2 * 8], 2, 3, 2, 8);
        assertThatThrownBy(() -> AttentionOp.attention(tape, q, kv, kv, new int[5]))
                .hasMessageContaining("docIds has 5 entries, expected batch*seq = 6");
    }
}

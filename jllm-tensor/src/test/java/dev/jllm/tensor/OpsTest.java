package dev.jllm.tensor;

import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Ops plumbing against plain double loops, and its shape and dtype errors. */
class OpsTest {
    private static final Random RND = new Random(21);

    private static Tensor randn(long... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] a = t.heapArray();
        for (int i = 0; i < a.length; i++) a[i] = (float) RND.nextGaussian();
        return t;
    }

    @Test
    void rmsNormWorksOnStridedViewsAndLeavesInputAlone() {
        Tensor base = randn(6, 5);
        Tensor x = base.transpose(0, 1); // [5, 6], not contiguous
        float[] before = base.heapArray().clone();
        Tensor w = randn(6);
        Tensor out = Ops.rmsNorm(x, w, 1e-5f);
        assertThat(out.shape()).containsExactly(5, 6);
        for (int r = 0; r < 5; r++) {
            double ss = 0;
            for (int c = 0; c < 6; c++) ss += x.get(r, c) * (double) x.get(r, c);
            double scale = 1 / Math.sqrt(ss / 6 + 1e-5);
            for (int c = 0; c < 6; c++) {
                assertThat((double) out.get(r, c)).isCloseTo(x.get(r, c) * scale * w.get(c), offset(1e-5));
            }
        }
        assertThat(base.heapArray()).containsExactly(before);
    }

    @Test
    void addBroadcastsOnlyARowVector() {
        Tensor a = randn(2, 3, 4), bias = randn(4);
        Tensor out = Ops.add(a, bias);
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) {
            assertThat(out.get(i, j, k)).isEqualTo(a.get(i, j, k) + bias.get(k));
        }
        Tensor same = Ops.mul(a, a);
        assertThat(same.get(1, 2, 3)).isEqualTo(a.get(1, 2, 3) * a.get(1, 2, 3));
        assertThatThrownBy(() -> Ops.add(a, randn(3, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3, 4]").hasMessageContaining("[3, 4]");
        assertThatThrownBy(() -> Ops.add(a, randn(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3]");
    }

    @Test
    void dtypeMismatchesNameBothOperands() {
        Tensor a = randn(2, 8);
        Tensor h = a.to(DType.F16);
        assertThatThrownBy(() -> Ops.add(a, h)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("F32").hasMessageContaining("F16").hasMessageContaining("[2, 8]");
        assertThatThrownBy(() -> Ops.silu(h)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F16");
        assertThatThrownBy(() -> Ops.swiglu(a, randn(2, 9))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 8]").hasMessageContaining("[2, 9]");
        assertThatThrownBy(() -> Ops.rmsNorm(a, randn(7), 1e-5f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[8]").hasMessageContaining("[7]");
        assertThatThrownBy(() -> Ops.argmax(a)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank-1");
    }

    @Test
    void activationsAndSoftmaxKeepShape() {
        Tensor x = randn(3, 5);
        Tensor p = Ops.softmax(x);
        for (int r = 0; r < 3; r++) {
            double sum = 0;
            for (int c = 0; c < 5; c++) sum += p.get(r, c);
            assertThat(sum).isCloseTo(1.0, offset(1e-6));
            for (int c = 0; c < 5; c++) assertThat((double) Ops.logSoftmax(x).get(r, c)).isCloseTo(Math.log(p.get(r, c)), offset(1e-5));
        }
        Tensor s = Ops.silu(x);
        assertThat((double) s.get(2, 4)).isCloseTo(x.get(2, 4) / (1 + Math.exp(-x.get(2, 4))), offset(1e-6));
        Tensor g = Ops.swiglu(x, x);
        assertThat((double) g.get(1, 1)).isCloseTo(s.get(1, 1) * (double) x.get(1, 1), offset(1e-6));
        assertThat(Ops.gelu(x).shape()).containsExactly(3, 5);
        assertThat(Ops.scale(x, 2f).get(0, 0)).isEqualTo(2f * x.get(0, 0));
    }

    @Test
    void linearMatchesDoubleReferenceForEveryRoute() {
        Tensor w = randn(5, 12), bias = randn(5);
        for (int tokens : new int[] {1, 3}) {
            Tensor x = randn(tokens, 12);
            for (Tensor weight : new Tensor[] {w, w.to(DType.F16), w.to(DType.BF16)}) {
                Tensor y = Ops.linear(x, weight, bias);
                assertThat(y.shape()).containsExactly(tokens, 5);
                float[] wf = weight.toFloatArray();
                for (int t = 0; t < tokens; t++) {
                    for (int n = 0; n < 5; n++) {
                        double e = bias.get(n);
                        for (int k = 0; k < 12; k++) e += (double) x.get(t, k) * wf[n * 12 + k];
                        assertThat((double) y.get(t, n)).as("%s tokens=%d", weight.dtype(), tokens).isCloseTo(e, offset(1e-4));
                    }
                }
            }
        }
        Tensor x3 = randn(2, 2, 12);
        assertThat(Ops.linear(x3, w).shape()).containsExactly(2, 2, 5);
        assertThatThrownBy(() -> Ops.linear(randn(2, 11), w)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 11]").hasMessageContaining("[5, 12]");
        assertThatThrownBy(() -> Ops.linear(randn(2, 12), w, randn(4))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bias").hasMessageContaining("[4]");
    }

    @Test
    void matmulBatchesOverEqualLeadingDimensions() {
        Tensor a = randn(2, 3, 4), b = randn(2, 4, 5);
        Tensor c = Ops.matmul(a, b);
        assertThat(c.shape()).containsExactly(2, 3, 5);
        for (int i = 0; i < 2; i++) for (int r = 0; r < 3; r++) for (int col = 0; col < 5; col++) {
            double e = 0;
            for (int k = 0; k < 4; k++) e += (double) a.get(i, r, k) * b.get(i, k, col);
            assertThat((double) c.get(i, r, col)).isCloseTo(e, offset(1e-5));
        }
        Tensor c2 = Ops.matmul(randn(3, 4), randn(4, 2));
        assertThat(c2.shape()).containsExactly(3, 2);
        assertThatThrownBy(() -> Ops.matmul(a, randn(3, 4, 5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 3, 4]").hasMessageContaining("[3, 4, 5]");
        assertThatThrownBy(() -> Ops.matmul(randn(3, 4), randn(5, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[3, 4]").hasMessageContaining("[5, 2]");
    }

    @Test
    void ropeEmbeddingAndSelection() {
        Tensor x = randn(3, 2, 8);
        RopeFrequencies f = RopeFrequencies.plain(4, 10000);
        int[] pos = {0, 5, 9};
        Tensor out = Ops.rope(x, pos, f, Rope.Pairing.HALF);
        // position 0 is the identity; the pass-through half of each head is untouched
        for (int h = 0; h < 2; h++) for (int d = 0; d < 8; d++) assertThat(out.get(0, h, d)).isEqualTo(x.get(0, h, d));
        for (int d = 4; d < 8; d++) assertThat(out.get(2, 1, d)).isEqualTo(x.get(2, 1, d));
        double angle = (float) (9 * f.invFreq(1));
        double e = x.get(2, 1, 1) * Math.cos(angle) - x.get(2, 1, 3) * Math.sin(angle);
        assertThat((double) out.get(2, 1, 1)).isCloseTo(e, offset(1e-5));
        assertThatThrownBy(() -> Ops.rope(x, new int[] {0, 1}, f, Rope.Pairing.HALF)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 positions for 3 tokens");
        assertThatThrownBy(() -> Ops.rope(x, pos, RopeFrequencies.plain(10, 10000), Rope.Pairing.HALF))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headDim 8");

        Tensor table = randn(10, 4);
        Tensor emb = Ops.embedding(table.to(DType.BF16), 3, 3, 9);
        assertThat(emb.shape()).containsExactly(3, 4);
        assertThat(emb.get(2, 1)).isEqualTo(table.to(DType.BF16).get(9, 1));

        Tensor v = Tensor.of(new float[] {1, 5, 2, 5, -1}, 5);
        assertThat(Ops.argmax(v)).isEqualTo(1);
        assertThat(Ops.topK(v, 3).indices()).containsExactly(1, 3, 2);
    }
}

package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.jllm.tensor.kernel.KernelRef.close;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RopeTest {
    /** Rotation written from the definition: pair (a, b) of dimensions turned by position * invFreq[i]. */
    static double[] reference(float[] x, int off, int heads, int headDim, int position, RopeFrequencies f,
                              Rope.Pairing pairing) {
        int rot = f.rotaryDims(), half = rot / 2;
        double[] out = new double[heads * headDim];
        for (int i = 0; i < out.length; i++) out[i] = x[off + i];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                int a = pairing == Rope.Pairing.HALF ? i : 2 * i;
                int b = pairing == Rope.Pairing.HALF ? i + half : 2 * i + 1;
                double angle = (float) (position * f.invFreq(i)); // float32 angle, as HF and llama.cpp
                double c = Math.cos(angle) * f.attentionFactor(), s = Math.sin(angle) * f.attentionFactor();
                double xa = x[off + h * headDim + a], xb = x[off + h * headDim + b];
                out[h * headDim + a] = xa * c - xb * s;
                out[h * headDim + b] = xb * c + xa * s;
            }
        }
        return out;
    }

    @Test
    void bothPairingsMatchReferenceIncludingPartialRotary() {
        Random rnd = new Random(6);
        int[][] shapes = {{1, 2, 2}, {3, 8, 8}, {2, 34, 34}, {2, 34, 18}, {4, 64, 64}, {1, 66, 66}, {2, 100, 32},
                {2, 130, 130}, {1, 256, 64}};
        for (int[] s : shapes) {
            int heads = s[0], headDim = s[1], rot = s[2];
            for (Rope.Pairing pairing : Rope.Pairing.values()) {
                for (RopeFrequencies f : new RopeFrequencies[] {RopeFrequencies.plain(rot, 10000),
                        RopeFrequencies.yarn(rot, 10000, RopeFrequencies.Yarn.of(4, 512))}) {
                    for (int pos : new int[] {0, 1, 17, 3000}) {
                        float[] x = KernelRef.randn(rnd, 3 + heads * headDim + 2, 1.0);
                        double[] expect = reference(x, 3, heads, headDim, pos, f, pairing);
                        float[] before = x.clone();
                        Rope.apply(x, 3, heads, headDim, pos, f, pairing);
                        close(pairing + " heads=" + heads + " dim=" + headDim + " rot=" + rot + " pos=" + pos, expect, x,
                                3, 2e-6, 2e-6);
                        for (int i = 0; i < 3; i++) org.assertj.core.api.Assertions.assertThat(x[i]).isEqualTo(before[i]);
                        for (int i = 3 + heads * headDim; i < x.length; i++) {
                            org.assertj.core.api.Assertions.assertThat(x[i]).isEqualTo(before[i]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rowsVariantRotatesEachTokenAtItsPosition() {
        Random rnd = new Random(7);
        int heads = 3, headDim = 40, rows = 5, stride = heads * headDim + 8;
        int[] positions = {9, 0, 4, 100, 7, 2, 2};
        RopeFrequencies f = RopeFrequencies.plain(24, 10000);
        for (Rope.Pairing pairing : Rope.Pairing.values()) {
            float[] x = KernelRef.randn(rnd, 1 + rows * stride, 1.0);
            double[][] expect = new double[rows][];
            for (int r = 0; r < rows; r++) expect[r] = reference(x, 1 + r * stride, heads, headDim, positions[r + 2], f, pairing);
            Rope.applyRows(x, 1, stride, rows, positions, 2, heads, headDim, f, pairing);
            for (int r = 0; r < rows; r++) close("row " + r, expect[r], x, 1 + r * stride, 2e-6, 2e-6);
        }
    }

    @Test
    void manyTokensSplitAcrossThreadsMatchReference() {
        Random rnd = new Random(19);
        int heads = 4, headDim = 64, rows = 200;
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) positions[r] = rnd.nextInt(8192);
        RopeFrequencies f = RopeFrequencies.llama3(64, 500000, 8, 1, 4, 8192);
        for (Rope.Pairing pairing : Rope.Pairing.values()) {
            float[] x = KernelRef.randn(rnd, rows * heads * headDim, 1.0);
            double[][] expect = new double[rows][];
            for (int r = 0; r < rows; r++) expect[r] = reference(x, r * heads * headDim, heads, headDim, positions[r], f, pairing);
            Rope.applyRows(x, 0, heads * headDim, rows, positions, 0, heads, headDim, f, pairing);
            for (int r = 0; r < rows; r++) close(pairing + " row " + r, expect[r], x, r * heads * headDim, 2e-6, 2e-6);
        }
    }

    @Test
    void matchesPyTorch() {
        for (KernelFixtures.Case c : KernelFixtures.load("rope")) {
            int heads = c.i("heads"), headDim = c.i("head_dim"), rot = c.i("rot");
            RopeFrequencies f = c.has("yarn_factor")
                    ? RopeFrequencies.yarn(rot, c.d("theta"), RopeFrequencies.Yarn.of(c.d("yarn_factor"), c.i("yarn_original")))
                    : RopeFrequencies.plain(rot, c.d("theta"));
            Rope.Pairing pairing = c.s("pairing").equals("half") ? Rope.Pairing.HALF : Rope.Pairing.ADJACENT;
            String[] pos = c.s("positions").split(",");
            int[] positions = new int[pos.length];
            for (int i = 0; i < pos.length; i++) positions[i] = Integer.parseInt(pos[i]);
            float[] x = c.a("x").clone();
            Rope.applyRows(x, 0, heads * headDim, positions.length, positions, 0, heads, headDim, f, pairing);
            close(c.name(), c.a("out"), x, 0, 2e-6, 2e-6);
        }
    }

    @Test
    void rejectsBadShapes() {
        float[] x = new float[64];
        RopeFrequencies f = RopeFrequencies.plain(40, 10000);
        assertThatThrownBy(() -> Rope.apply(x, 0, 2, 32, 0, f, Rope.Pairing.HALF))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("40").hasMessageContaining("32");
        assertThatThrownBy(() -> Rope.apply(x, 8, 2, 32, 0, RopeFrequencies.plain(32, 10000), Rope.Pairing.HALF))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> RopeFrequencies.plain(7, 10000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("even");
    }
}

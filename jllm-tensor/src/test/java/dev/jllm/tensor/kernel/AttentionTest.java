package dev.jllm.tensor.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttentionTest {

    /** Goldens from tools/attention/make_attention_fixtures.py (PyTorch, float64 softmax). */
    @ParameterizedTest
    @ValueSource(strings = {"gqa_prefill", "gqa_chunk", "sliding_window", "mqa_mla_dims", "bidirectional", "long_decode"})
    void matchesPyTorch(String name) throws Exception {
        try (var in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                getClass().getResourceAsStream("/attention/" + name + ".txt")), StandardCharsets.UTF_8))) {
            String[] h = in.readLine().split(" ");
            int nQ = Integer.parseInt(h[0]), qPos0 = Integer.parseInt(h[1]), nKv = Integer.parseInt(h[2]);
            int heads = Integer.parseInt(h[3]), kvHeads = Integer.parseInt(h[4]);
            int headDim = Integer.parseInt(h[5]), valueDim = Integer.parseInt(h[6]);
            float scale = Float.parseFloat(h[7]);
            boolean causal = h[8].equals("1");
            int window = Integer.parseInt(h[9]);
            float[] q = floats(in.readLine()), k = floats(in.readLine()), v = floats(in.readLine()), want = floats(in.readLine());
            // Put the inputs at non-zero offsets to exercise them.
            float[] out = new float[want.length + 3];
            Attention.attend(pad(q, 2), 2, nQ, qPos0, pad(k, 5), 5, pad(v, 1), 1, nKv, heads, kvHeads, headDim, valueDim,
                    scale, causal ? Attention.Mask.CAUSAL : Attention.Mask.BIDIRECTIONAL, window, out, 3);
            for (int i = 0; i < want.length; i++) {
                assertThat(out[3 + i]).as("%s out[%d]", name, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(2e-5f));
            }
        }
    }

    @Test
    void equalsNaiveSoftmaxAcrossManyTilesAndOddSizes() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] c : new int[][] {{1, 1, 1, 1, 1}, {3, 6, 3, 31, 33}, {2, 4, 4, 17, 7}, {1, 2, 1, 130, 129}}) {
            int nQ = c[0], heads = c[1], kvHeads = c[2], nKv = c[3], d = c[4];
            int qPos0 = nKv - nQ;
            float[] q = rand(r, nQ * heads * d), k = rand(r, nKv * kvHeads * d), v = rand(r, nKv * kvHeads * d);
            float[] out = new float[nQ * heads * d];
            Attention.attend(q, 0, nQ, qPos0, k, 0, v, 0, nKv, heads, kvHeads, d, d, 0.3f, Attention.Mask.CAUSAL, 0, out, 0);
            float[] ref = naive(q, k, v, nQ, qPos0, nKv, heads, kvHeads, d, 0.3f);
            for (int i = 0; i < out.length; i++) assertThat(out[i]).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void rejectsImpossibleGeometry() {
        float[] a = new float[64];
        assertThatThrownBy(() -> Attention.attend(a, 0, 1, 0, a, 0, a, 0, 1, 3, 2, 4, 4, 1f, Attention.Mask.CAUSAL, 0, a, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kvHeads");
        assertThatThrownBy(() -> Attention.attend(a, 0, 2, 0, a, 0, a, 0, 40, 1, 1, 4, 4, 1f, Attention.Mask.CAUSAL, 0, a, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k: needs 160");
    }

    private static float[] naive(float[] q, float[] k, float[] v, int nQ, int qPos0, int nKv, int heads, int kvHeads, int d, float scale) {
        float[] out = new float[nQ * heads * d];
        int group = heads / kvHeads;
        for (int i = 0; i < nQ; i++) {
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                double[] s = new double[nKv];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= qPos0 + i && j < nKv; j++) {
                    double dot = 0;
                    for (int x = 0; x < d; x++) dot += (double) q[(i * heads + h) * d + x] * k[(j * kvHeads + g) * d + x];
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                double[] o = new double[d];
                for (int j = 0; j <= qPos0 + i && j < nKv; j++) {
                    double p = Math.exp(s[j] - max);
                    sum += p;
                    for (int x = 0; x < d; x++) o[x] += p * v[(j * kvHeads + g) * d + x];
                }
                for (int x = 0; x < d; x++) out[(i * heads + h) * d + x] = (float) (o[x] / sum);
            }
        }
        return out;
    }

    private static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static float[] pad(float[] a, int front) {
        float[] p = new float[a.length + front];
        Arrays.fill(p, Float.NaN);
        System.arraycopy(a, 0, p, front, a.length);
        return p;
    }

    private static float[] floats(String line) {
        String[] p = line.trim().split(" ");
        float[] a = new float[p.length];
        for (int i = 0; i < p.length; i++) a[i] = Float.parseFloat(p[i]);
        return a;
    }
}

package dev.jllm.engine;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class SamplerTest {

    /** Goldens from tools/sampling/make_sampling_fixtures.py (HF transformers' processor semantics in PyTorch). */
    @Test
    void filteredDistributionsMatchTheReference() throws Exception {
        try (var in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                getClass().getResourceAsStream("/sampling/cases.txt")), StandardCharsets.UTF_8))) {
            int cases = 0;
            for (String head; (head = in.readLine()) != null; cases++) {
                String[] p = head.split(" ");
                SamplingParams sp = new SamplingParams(Float.parseFloat(p[0]), (int) Double.parseDouble(p[1]),
                        Float.parseFloat(p[2]), Float.parseFloat(p[3]), Float.parseFloat(p[4]), Float.parseFloat(p[5]),
                        Float.parseFloat(p[6]), 0);
                int[] history = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
                String[] parts = in.readLine().split(" \\| ");
                float[] logits = floats(parts[0]), want = floats(parts[1]);
                Sampler.applyPenalties(logits, history, history.length, sp);
                float[] got = Sampler.filteredProbabilities(logits, sp);
                for (int i = 0; i < want.length; i++) {
                    assertThat(got[i]).as("case %s token %d", head, i).isCloseTo(want[i], offset(2e-6f));
                }
            }
            assertThat(cases).isEqualTo(10);
        }
    }

    @Test
    void greedyTakesTheArgmaxAfterPenalties() {
        Sampler s = new Sampler(new SamplingParams(0f, 0, 1f, 0f, 2f, 0f, 0f, 1));
        float[] logits = {1f, 4f, 3f};
        assertThat(s.sample(logits, new int[] {1}, 1)).isEqualTo(2); // 4 / 2 = 2 < 3
    }

    @Test
    void sameSeedSameTokensAndFrequenciesFollowTheDistribution() {
        float[] base = {0f, 1f, 2f, -1f, 0.5f};
        SamplingParams p = new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, 42);
        int[] a = drawMany(p, base, 20000), b = drawMany(p, base, 20000);
        assertThat(a).isEqualTo(b);
        float[] probs = Sampler.filteredProbabilities(base.clone(), p);
        int[] counts = new int[base.length];
        for (int t : a) counts[t]++;
        for (int i = 0; i < base.length; i++) {
            double expected = probs[i] * a.length;
            // 5 standard deviations of a binomial count.
            assertThat((double) counts[i]).isCloseTo(expected, offset(5 * Math.sqrt(expected * (1 - probs[i])) + 1));
        }
        SamplingParams other = new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, 43);
        assertThat(drawMany(other, base, 200)).isNotEqualTo(Arrays.copyOf(a, 200));
    }

    @Test
    void filteredTokensAreNeverDrawn() {
        float[] base = {5f, 4.9f, 1f, 0f, -3f};
        SamplingParams p = new SamplingParams(1f, 2, 1f, 0f, 1f, 0f, 0f, 7);
        for (int t : drawMany(p, base, 2000)) assertThat(t).isIn(0, 1);
    }

    @Test
    void impossibleParamsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> new SamplingParams(-1f, 0, 1f, 0f, 1f, 0f, 0f, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1f, -2, 1f, 0f, 1f, 0f, 0f, 0)).hasMessageContaining("top-k");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 0f, 0f, 1f, 0f, 0f, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new SamplingParams(1f, 0, 1f, 2f, 1f, 0f, 0f, 0)).hasMessageContaining("min-p");
        assertThatThrownBy(() -> Sampler.argmax(new float[] {Float.NaN})).hasMessageContaining("NaN");
    }

    private static int[] drawMany(SamplingParams p, float[] base, int n) {
        Sampler s = new Sampler(p);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(base.clone(), new int[0], 0);
        return out;
    }

    private static float[] floats(String line) {
        String[] p = line.trim().split(" ");
        float[] a = new float[p.length];
        for (int i = 0; i < p.length; i++) a[i] = Float.parseFloat(p[i]);
        return a;
    }
}

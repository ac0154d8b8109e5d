package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Router cases worked out by hand from the definitions (Mixtral, Qwen2-MoE, DeepSeek-V2/V3). */
class ExpertRoutingTest {
    private final int[] chosen = new int[2];
    private final float[] weights = new float[2];

    @Test
    void mixtralRenormalizesTheTopTwoOfTheSoftmax() {
        // softmax over {1, 3, 2, 0} then keep experts 1 and 2: weights e^3/(e^3+e^2), e^2/(e^3+e^2)
        ExpertRouting.route(new float[] {1, 3, 2, 0}, 0, 4, ExpertRouting.Policy.softmax(2, true), chosen, 0, weights, 0);
        assertThat(chosen).containsExactly(1, 2);
        assertThat(weights[0]).isCloseTo(0.7310586f, within(1e-6f));
        assertThat(weights[1]).isCloseTo(0.2689414f, within(1e-6f));
    }

    @Test
    void qwen2MoeKeepsTheRawProbabilities() {
        // sum e^x = e + e^3 + e^2 + 1 = 31.19287; p1 = e^3/31.19287, p2 = e^2/31.19287
        ExpertRouting.route(new float[] {1, 3, 2, 0}, 0, 4, ExpertRouting.Policy.softmax(2, false), chosen, 0, weights, 0);
        assertThat(chosen).containsExactly(1, 2);
        assertThat(weights[0]).isCloseTo(0.6439143f, within(1e-6f));
        assertThat(weights[1]).isCloseTo(0.2368828f, within(1e-6f));
    }

    @Test
    void deepSeekV3BiasSteersTheChoiceButNotTheWeights() {
        // sigmoid(0) = 0.5 everywhere; the bias picks experts 3 and 1; weights 0.5/(0.5+0.5) x 2.5
        var p = new ExpertRouting.Policy(ExpertRouting.Gating.SIGMOID, 2, true, 2.5f, new float[] {0, 0.1f, -0.1f, 0.2f}, 0, 0);
        ExpertRouting.route(new float[] {0, 0, 0, 0}, 0, 4, p, chosen, 0, weights, 0);
        assertThat(chosen).containsExactly(3, 1);
        assertThat(weights).containsExactly(1.25f, 1.25f);
    }

    @Test
    void groupLimitedRoutingScoresGroupsByTheirBestOrTheirTopTwoSum() {
        float[] logits = {2.0f, -5f, 1.5f, 1.4f};
        // V2 (no bias): groups {0,1} and {2,3} scored by their best softmax score -> group 0 wins, so expert 1 beats 2
        ExpertRouting.route(logits, 0, 4, new ExpertRouting.Policy(ExpertRouting.Gating.SOFTMAX, 2, false, 1f, null, 2, 1),
                chosen, 0, weights, 0);
        assertThat(chosen).containsExactly(0, 1);
        // V3 (bias, here zero): sigmoid = .8808 .0067 .8176 .8022 -> group sums .8875 < 1.6198 -> group 1
        ExpertRouting.route(logits, 0, 4, new ExpertRouting.Policy(ExpertRouting.Gating.SIGMOID, 2, true, 1f, new float[4], 2, 1),
                chosen, 0, weights, 0);
        assertThat(chosen).containsExactly(2, 3);
        assertThat(weights[0]).isCloseTo(0.8175745f / (0.8175745f + 0.8021839f), within(1e-6f));
        // without groups the best two are 0 and 2
        ExpertRouting.route(logits, 0, 4, ExpertRouting.Policy.softmax(2, false), chosen, 0, weights, 0);
        assertThat(chosen).containsExactly(0, 2);
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> ExpertRouting.route(new float[4], 0, 4, ExpertRouting.Policy.softmax(5, true), new int[5], 0, new float[5], 0))
                .hasMessageContaining("cannot choose 5 of 4 experts");
        assertThatThrownBy(() -> ExpertRouting.route(new float[6], 0, 6,
                new ExpertRouting.Policy(ExpertRouting.Gating.SOFTMAX, 1, true, 1f, null, 4, 2), chosen, 0, weights, 0))
                .hasMessageContaining("6 experts do not split into 4 groups");
        assertThatThrownBy(() -> ExpertRouting.Policy.softmax(0, true)).hasMessageContaining("must be positive");
    }
}

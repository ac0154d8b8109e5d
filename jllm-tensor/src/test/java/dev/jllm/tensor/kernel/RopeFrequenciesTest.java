package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Frequency tables against a float32 re-computation of transformers' rope init functions. */
class RopeFrequenciesTest {
    @Test
    void matchesTransformersRopeInitFunctions() {
        int checked = 0;
        for (KernelFixtures.Case c : KernelFixtures.load("rope_freqs")) {
            int dim = c.i("dim");
            double theta = c.d("theta");
            RopeFrequencies f = switch (c.s("kind")) {
                case "plain" -> RopeFrequencies.plain(dim, theta);
                case "linear" -> RopeFrequencies.linear(dim, theta, c.d("factor"));
                case "ntk" -> RopeFrequencies.ntk(dim, theta, c.d("factor"));
                case "dynamic" -> RopeFrequencies.dynamicNtk(dim, theta, c.d("factor"), c.i("max_pos"), c.i("seq_len"));
                case "llama3" -> RopeFrequencies.llama3(dim, theta, c.d("factor"), c.d("low"), c.d("high"), c.i("original"));
                case "yarn" -> RopeFrequencies.yarn(dim, theta, new RopeFrequencies.Yarn(c.d("factor"), c.i("original"),
                        c.d("beta_fast"), c.d("beta_slow"), c.d("mscale"), c.d("mscale_all_dim"),
                        c.d("attention_factor"), c.i("truncate") == 1));
                default -> throw new IllegalStateException(c.s("kind"));
            };
            float[] expect = c.a("inv_freq");
            assertThat(f.rotaryDims()).isEqualTo(dim);
            for (int i = 0; i < expect.length; i++) {
                assertThat(f.invFreq(i)).as("%s inv_freq[%d]", c.name(), i).isCloseTo(expect[i], offset(Math.abs(expect[i]) * 3e-7f));
            }
            assertThat((double) f.attentionFactor()).as(c.name() + " attention factor")
                    .isCloseTo(c.d("attention"), offset(1e-6));
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(16);
    }

    /** The dynamic table follows the sequence length: plain up to maxPositions, then the table for that length. */
    @Test
    void dynamicNtkPicksTheTableForTheLength() {
        RopeFrequencies d = RopeFrequencies.dynamicNtk(16, 10000, 4, 32);
        RopeFrequencies plain = RopeFrequencies.plain(16, 10000);
        assertThat(d.isDynamic()).isTrue();
        assertThat(plain.isDynamic()).isFalse();
        assertThat(d.invFreq()).containsExactly(plain.invFreq());
        assertThat(d.forLength(1)).isSameAs(d);
        assertThat(d.forLength(32)).isSameAs(d);
        for (int len : new int[] {33, 100, 33}) {
            assertThat(d.forLength(len).invFreq()).as("length %d", len)
                    .containsExactly(RopeFrequencies.dynamicNtk(16, 10000, 4, 32, len).invFreq());
            assertThat(d.forLength(len).isDynamic()).isFalse();
        }
        assertThat(d.forLength(100).invFreq(7)).isLessThan(plain.invFreq(7)); // a larger base: slower rotations
        assertThat(plain.forLength(1000)).isSameAs(plain);
        assertThatThrownBy(() -> RopeFrequencies.dynamicNtk(16, 10000, 0.5, 32)).hasMessageContaining(">= 1");
    }

    @Test
    void customTablesAreCopiedAndValidated() {
        float[] inv = {1f, 0.5f};
        RopeFrequencies f = RopeFrequencies.of(inv, 1.25f);
        inv[0] = 7f;
        assertThat(f.invFreq(0)).isEqualTo(1f);
        assertThat(f.rotaryDims()).isEqualTo(4);
        assertThat(f.attentionFactor()).isEqualTo(1.25f);
        assertThatThrownBy(() -> RopeFrequencies.of(new float[0], 1f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RopeFrequencies.linear(64, 10000, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.5");
        assertThatThrownBy(() -> RopeFrequencies.llama3(64, 10000, 8, 4, 1, 8192)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("high_freq_factor");
    }
}

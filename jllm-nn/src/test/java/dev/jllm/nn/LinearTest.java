package dev.jllm.nn;

import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Linear against hand-computed products (the model tests check the layers against PyTorch). */
class LinearTest {
    // W = [[1, 2, 3], [4, 5, 6]] (out 2, in 3), bias [0.5, -1]
    private final Linear linear = new Linear(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), new float[] {0.5f, -1});

    @Test
    void oneTokenAndABatchGiveXTimesWTransposedPlusBias() {
        float[] y1 = new float[2];
        linear.forward(new float[] {1, 0, -1}, 1, y1);
        assertThat(y1[0]).isCloseTo(1 - 3 + 0.5f, within(1e-6f));
        assertThat(y1[1]).isCloseTo(4 - 6 - 1f, within(1e-6f));
        float[] y = new float[4];
        linear.forward(new float[] {1, 0, -1, 2, 1, 0}, 2, y);
        assertThat(y).containsExactly(new float[] {-1.5f, -3f, 4.5f, 12f}, within(1e-5f));
    }

    @Test
    void anAttachedAdapterAddsItsTermAndDetaches() {
        linear.adapter((x, n, y) -> { for (int i = 0; i < n * 2; i++) y[i] += 10; });
        float[] y = new float[2];
        linear.forward(new float[] {1, 0, -1}, 1, y);
        assertThat(y).containsExactly(new float[] {8.5f, 7f}, within(1e-5f));
        linear.adapter(null);
        linear.forward(new float[] {1, 0, -1}, 1, y);
        assertThat(y).containsExactly(new float[] {-1.5f, -3f}, within(1e-5f));
    }

    @Test
    void shapesThatDisagreeAreNamed() {
        assertThatThrownBy(() -> new Linear(Tensor.of(new float[6], 2, 3), new float[3]))
                .hasMessageContaining("bias has 3 values, the weight has 2 rows");
        Linear q = new Linear(Tensor.of(new float[8 * 4], 8, 4), null);
        Linear kv = new Linear(Tensor.of(new float[4 * 4], 4, 4), null);
        assertThatThrownBy(() -> new CausalSelfAttention(q, kv, kv, q, null, null, null, 4, 3, 2, 0))
                .hasMessageContaining("kv heads 3 must divide heads 4");
    }
}

package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class ReduceTest {
    @Test
    void sumMaxDotMatchDoubleReference() {
        Random rnd = new Random(10);
        for (int n : KernelRef.SIZES) {
            float[] a = KernelRef.randn(rnd, n + 2, 1.0), b = KernelRef.randn(rnd, n + 1, 1.0);
            double s = 0, d = 0, m = Double.NEGATIVE_INFINITY, abs = 0;
            for (int i = 0; i < n; i++) {
                s += a[2 + i];
                d += (double) a[2 + i] * b[1 + i];
                m = Math.max(m, a[2 + i]);
                abs += Math.abs(a[2 + i]) * (1 + Math.abs(b[1 + i]));
            }
            assertThat((double) Reduce.sum(a, 2, n)).isCloseTo(s, offset(1e-6 * abs + 1e-7));
            assertThat((double) Reduce.dot(a, 2, b, 1, n)).isCloseTo(d, offset(1e-6 * abs + 1e-7));
            assertThat((double) Reduce.max(a, 2, n)).isEqualTo(m);
        }
    }

    @Test
    void argmaxTakesTheLowestIndexOnTies() {
        Random rnd = new Random(11);
        for (int n : KernelRef.SIZES) {
            float[] x = KernelRef.randn(rnd, n + 1, 1.0);
            int best = 0;
            for (int i = 1; i < n; i++) if (x[1 + i] > x[1 + best]) best = i;
            assertThat(Reduce.argmax(x, 1, n)).isEqualTo(best);
            float[] ties = new float[n];
            Arrays.fill(ties, 2f);
            assertThat(Reduce.argmax(ties, 0, n)).isZero();
            if (n > 3) {
                ties[n - 1] = 3f;
                ties[n - 2] = 3f;
                assertThat(Reduce.argmax(ties, 0, n)).isEqualTo(n - 2);
            }
        }
        float[] all = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        assertThat(Reduce.argmax(all, 0, 2)).isZero();
    }

    @Test
    void topKMatchesAStableSort() {
        Random rnd = new Random(12);
        for (int n : KernelRef.SIZES) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = rnd.nextInt(Math.max(2, n / 3)); // many ties
            for (int k : new int[] {1, 2, 5, n, n + 4}) {
                Reduce.TopK top = Reduce.topK(x, 0, n, k);
                Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -x[i]).thenComparingInt(i -> i));
                int kk = Math.min(k, n);
                assertThat(top.indices()).hasSize(kk);
                for (int i = 0; i < kk; i++) {
                    assertThat(top.indices()[i]).as("n=%d k=%d rank %d", n, k, i).isEqualTo(order[i]);
                    assertThat(top.values()[i]).isEqualTo(x[order[i]]);
                }
            }
        }
    }

    @Test
    void nanIsRejectedWithItsIndex() {
        float[] x = new float[40];
        x[17] = Float.NaN;
        assertThatThrownBy(() -> Reduce.argmax(x, 0, 40)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 17");
        assertThatThrownBy(() -> Reduce.topK(x, 0, 40, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 17");
    }
}

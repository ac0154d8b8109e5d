package dev.jllm.tensor.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ElementwiseTest {
    @Test
    void arithmeticMatchesScalarLoopsExactly() {
        Random rnd = new Random(8);
        for (int n : KernelRef.SIZES) {
            float[] a = KernelRef.randn(rnd, n + 1, 2.0), b = KernelRef.randn(rnd, n + 2, 2.0);
            float[] out = new float[n + 3];
            Elementwise.add(a, 1, b, 2, out, 3, n);
            for (int i = 0; i < n; i++) assertThat(out[3 + i]).isEqualTo(a[1 + i] + b[2 + i]);
            Elementwise.sub(a, 1, b, 2, out, 3, n);
            for (int i = 0; i < n; i++) assertThat(out[3 + i]).isEqualTo(a[1 + i] - b[2 + i]);
            Elementwise.mul(a, 1, b, 2, out, 3, n);
            for (int i = 0; i < n; i++) assertThat(out[3 + i]).isEqualTo(a[1 + i] * b[2 + i]);
            Elementwise.scale(a, 1, 0.37f, out, 3, n);
            for (int i = 0; i < n; i++) assertThat(out[3 + i]).isEqualTo(0.37f * a[1 + i]);
            for (int i = 0; i < 3; i++) assertThat(out[i]).isZero();
            float[] y = b.clone();
            Elementwise.axpy(-1.5f, a, 1, y, 2, n);
            for (int i = 0; i < n; i++) assertThat(y[2 + i]).isEqualTo(Math.fma(-1.5f, a[1 + i], b[2 + i]));
            assertThat(y[0]).isEqualTo(b[0]);
            // in place
            float[] c = a.clone();
            Elementwise.add(c, 1, b, 2, c, 1, n);
            for (int i = 0; i < n; i++) assertThat(c[1 + i]).isEqualTo(a[1 + i] + b[2 + i]);
        }
    }

    @Test
    void largeInputsSplitAcrossThreadsGiveTheSameResult() {
        Random rnd = new Random(9);
        int n = 100_003;
        float[] a = KernelRef.randn(rnd, n, 1.0), b = KernelRef.randn(rnd, n, 1.0), out = new float[n];
        Elementwise.mul(a, 0, b, 0, out, 0, n);
        for (int i = 0; i < n; i++) if (out[i] != a[i] * b[i]) throw new AssertionError("element " + i);
    }

    @Test
    void rejectsShortArrays() {
        assertThatThrownBy(() -> Elementwise.add(new float[4], 0, new float[3], 0, new float[4], 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("b").hasMessageContaining("3");
    }
}

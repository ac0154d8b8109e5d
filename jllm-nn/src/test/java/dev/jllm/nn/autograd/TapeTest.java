package dev.jllm.nn.autograd;

import dev.jllm.nn.Parameter;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Tape semantics: accumulation, evaluation mode, constants, and that the gradient checker can fail. */
class TapeTest {
    @Test
    void gradientsAccumulateIntoParametersAcrossBackwardCalls() {
        Parameter w = Parameter.of("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), true);
        float[] x = {1, -1, 2};
        for (int step = 1; step <= 2; step++) {
            Tape t = new Tape();
            Var y = LinearOps.linear(t, Var.constant(x.clone(), 1, 3), Var.of(w), null);
            t.backward(ArithmeticOps.sum(t, y), 1f);
            // d sum(x·Wᵀ) / dW[i, p] = x[p], once per step
            for (int i = 0; i < 2; i++) for (int p = 0; p < 3; p++) assertThat(w.grad()[i * 3 + p]).isEqualTo(step * x[p]);
        }
    }

    @Test
    void evaluationRecordsNothingAndAllocatesNoGradients() {
        Tape t = new Tape().recording(false);
        Var w = Var.of(new float[] {1, 2, 3, 4}, 2, 2);
        Var y = ActivationOps.silu(t, LinearOps.linear(t, Var.constant(new float[] {1, 1}, 1, 2), w, null));
        assertThat(t.size()).isZero();
        assertThat(y.requiresGrad()).isFalse();
        assertThat(w.hasGrad()).isFalse();
    }

    @Test
    void constantsGetNoGradientAndOpsOverConstantsRecordNothing() {
        Tape t = new Tape();
        Var a = Var.constant(new float[] {1, 2}, 2), b = Var.of(new float[] {3, 4}, 2);
        Var c = ArithmeticOps.mul(t, a, a);
        assertThat(t.size()).isZero();
        assertThat(c.requiresGrad()).isFalse();
        t.backward(ArithmeticOps.sum(t, ArithmeticOps.mul(t, c, b)), 2f);
        assertThat(b.grad()).containsExactly(2f, 8f);
        assertThatThrownBy(a::grad).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void backwardFromANonScalarChecksTheGradientLength() {
        Tape t = new Tape();
        Var x = Var.of(new float[] {1, 2, 3}, 3);
        Var y = ArithmeticOps.scale(t, x, 2f);
        assertThatThrownBy(() -> t.backward(y, new float[2])).hasMessageContaining("needs 3 values");
        t.backward(y, new float[] {1, 1, 1});
        assertThat(x.grad()).containsExactly(new float[] {2, 2, 2}, within(0f));
    }

    @Test
    void crossEntropyWithEveryTargetIgnoredIsZeroAndBadInputsAreNamed() {
        Tape t = new Tape();
        Var h = Var.of(new float[] {1, 2, 3, 4}, 2, 2), w = Var.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        CrossEntropy.Result r = CrossEntropy.linear(t, h, w, new int[] {-100, -100});
        assertThat(r.loss().data()[0]).isZero();
        assertThat(r.tokens()).isZero();
        t.backward(r.loss(), 1f);
        assertThat(h.hasGrad()).isFalse();
        assertThatThrownBy(() -> CrossEntropy.linear(new Tape(), h, w, new int[] {0, 3}))
                .hasMessageContaining("target 3 at row 1 is outside [0, 3)");
        assertThatThrownBy(() -> CrossEntropy.linear(new Tape(), h, w, new int[] {0}))
                .hasMessageContaining("1 targets for 2 rows");
        assertThatThrownBy(() -> LinearOps.linear(new Tape(), h, Var.of(new float[6], 2, 3), null))
                .hasMessageContaining("weight must be [out, 2]");
        assertThatThrownBy(() -> EmbeddingOp.lookup(new Tape(), w, new int[] {1, 5}))
                .hasMessageContaining("token id 5 at position 1");
        assertThatThrownBy(() -> LinearOps.matmul(new Tape(), h, w)).hasMessageContaining("inner dimensions differ");
    }

    @Test
    void theGradientCheckerCatchesAWrongBackward() {
        // silu forward with the backward of x·sigmoid missing the x·s·(1−s) term
        GradCheck.Op wrong = (t, v) -> {
            Var x = v[0];
            float[] y = new float[x.numel()];
            for (int i = 0; i < y.length; i++) y[i] = x.data()[i] / (1f + (float) Math.exp(-x.data()[i]));
            Var out = t.output(y, x.shape(), x);
            return t.record(out, () -> {
                for (int i = 0; i < y.length; i++) x.grad()[i] += out.grad()[i] / (1f + (float) Math.exp(-x.data()[i]));
            }, x);
        };
        GradCheck.Ref silu = r -> {
            double[] y = new double[r[0].length];
            for (int i = 0; i < y.length; i++) y[i] = r[0][i] / (1 + Math.exp(-r[0][i]));
            return y;
        };
        assertThatThrownBy(() -> GradCheck.check("wrong silu", wrong, silu, 1e-3,
                GradCheck.in(new float[] {-2, -0.5f, 0.3f, 1.7f}, 4))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("analytic");
        GradCheck.Op wrongForward = (t, v) -> ArithmeticOps.scale(t, v[0], 1.001f);
        assertThatThrownBy(() -> GradCheck.check("wrong forward", wrongForward, r -> r[0].clone(), 1e-3,
                GradCheck.in(new float[] {1, 2}, 2))).hasMessageContaining("forward");
    }
}

package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Schedules against torch LambdaLR / CosineAnnealingLR values and clipping against clip_grad_norm_. */
class LrScheduleAndClipTest {
    private static final double PEAK = 3e-3, MIN = 3e-4;
    private static final long WARM = 10, TOTAL = 100;

    private static void assertSchedule(LrSchedule s, String golden) {
        double[] want = OptimGoldens.get().doubles("sched/" + golden);
        for (int step = 0; step < want.length; step++) {
            assertThat(s.lr(step)).as(golden + " at step " + step).isCloseTo(want[step], within(1e-12 * PEAK));
        }
    }

    @Test void warmupCosineMatchesTorch() {
        LrSchedule s = LrSchedule.warmupCosine(PEAK, MIN, WARM, TOTAL);
        assertSchedule(s, "cosine");
        assertThat(s.lr(0)).isZero();
        assertThat(s.lr(WARM)).isEqualTo(PEAK);
        assertThat(s.lr(TOTAL)).isEqualTo(MIN);
        assertThat(s.lr(10 * TOTAL)).isEqualTo(MIN);
    }

    @Test void warmupStableDecayShapesMatchTorch() {
        assertSchedule(LrSchedule.warmupStableDecay(PEAK, MIN, WARM, TOTAL, 0.2, LrSchedule.Cooldown.LINEAR), "wsd_linear");
        assertSchedule(LrSchedule.warmupStableDecay(PEAK, MIN, WARM, TOTAL, 0.2, LrSchedule.Cooldown.COSINE), "wsd_cosine");
        assertSchedule(LrSchedule.warmupStableDecay(PEAK, MIN, WARM, TOTAL, 0.2, LrSchedule.Cooldown.SQRT), "wsd_sqrt");
        LrSchedule s = LrSchedule.warmupStableDecay(PEAK, MIN, WARM, TOTAL, 0.2, LrSchedule.Cooldown.LINEAR);
        assertThat(s.lr(79)).isEqualTo(PEAK);
        assertThat(s.lr(80)).isEqualTo(PEAK);
        assertThat(s.lr(90)).isCloseTo((PEAK + MIN) / 2, within(1e-15));
    }

    @Test void constantIsConstant() {
        LrSchedule s = LrSchedule.constant(1e-3);
        assertThat(s.lr(0)).isEqualTo(1e-3);
        assertThat(s.lr(1_000_000)).isEqualTo(1e-3);
    }

    @Test void badScheduleArgumentsAreRejected() {
        assertThatThrownBy(() -> LrSchedule.warmupCosine(1e-3, 0, 20, 10)).hasMessageContaining("warmupSteps <= totalSteps");
        assertThatThrownBy(() -> LrSchedule.constant(Double.NaN)).hasMessageContaining("finite");
        assertThatThrownBy(() -> LrSchedule.warmupStableDecay(1e-3, 0, 95, 100, 0.2, LrSchedule.Cooldown.LINEAR))
                .hasMessageContaining("before warmup ends");
        assertThatThrownBy(() -> LrSchedule.warmupStableDecay(1e-3, 0, 5, 100, 1.5, LrSchedule.Cooldown.LINEAR))
                .hasMessageContaining("decayFraction");
    }

    private static List<Parameter> withStep3Grads() {
        OptimGoldens gold = OptimGoldens.get();
        List<Parameter> ps = gold.parameters();
        gold.loadGrads(3, ps);
        return ps;
    }

    @Test void clipScalesLikeTorchWhenAboveMax() {
        List<Parameter> ps = withStep3Grads();
        double norm = GradClip.clipGlobalNorm(ps, 1.5);
        double want = OptimGoldens.get().doubles("clip_active/norm")[0];
        assertThat(norm).isCloseTo(want, within(1e-6 * want));
        assertThat(GradClip.globalNorm(ps)).isCloseTo(1.5, within(1e-5));
        for (Parameter p : ps) {
            float[] w = OptimGoldens.get().floats("clip_active/" + p.name());
            for (int i = 0; i < w.length; i++) assertThat((double) p.grad()[i]).isCloseTo(w[i], within(1e-6 * (1 + Math.abs(w[i]))));
        }
    }

    @Test void clipLeavesSmallGradientsAlone() {
        List<Parameter> ps = withStep3Grads();
        float[] before = ps.get(0).grad().clone();
        double norm = GradClip.clipGlobalNorm(ps, 1e4);
        assertThat(norm).isCloseTo(OptimGoldens.get().doubles("clip_inactive/norm")[0], within(1e-5));
        assertThat(ps.get(0).grad()).containsExactly(before);
    }

    @Test void nonFiniteNormIsReportedAndGradientsKept() {
        List<Parameter> ps = withStep3Grads();
        ps.get(2).grad()[1] = Float.POSITIVE_INFINITY;
        float[] before = ps.get(0).grad().clone();
        assertThat(GradClip.clipGlobalNorm(ps, 1.0)).isInfinite();
        assertThat(ps.get(0).grad()).containsExactly(before);
        assertThatThrownBy(() -> GradClip.clipGlobalNorm(ps, 0)).hasMessageContaining("maxNorm");
    }

    @Test void largeGradientNormIsSummedInDouble() {
        // 2^20 ones: a float running sum would stall at 2^24 for larger tensors; double stays exact here.
        Parameter p = Parameter.of("big", dev.jllm.tensor.Tensor.zeros(1 << 20), true);
        java.util.Arrays.fill(p.grad(), 1f);
        assertThat(GradClip.globalNorm(List.of(p))).isEqualTo(1024.0);
    }
}

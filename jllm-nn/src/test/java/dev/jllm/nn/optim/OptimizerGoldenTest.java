package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each optimizer replays the fixture's gradient sequence and must land on the reference weights
 * after every step: torch.optim.SGD / AdamW directly, Lion / Adafactor / Muon / BF16 masters
 * from the reference implementations in tools/optim/make_optim_goldens.py (same configs there).
 */
class OptimizerGoldenTest {
    private static final double TIGHT = 1e-6, LOOSE = 1e-5;

    private static double replay(String tcase, Function<List<Parameter>, Optimizer> make, double tol) {
        OptimGoldens gold = OptimGoldens.get();
        List<Parameter> ps = gold.parameters();
        Optimizer opt = make.apply(ps);
        double[] lrs = gold.lrs();
        double worst = 0;
        for (int k = 0; k < lrs.length; k++) {
            gold.loadGrads(k, ps);
            opt.step(lrs[k]);
            worst = Math.max(worst, gold.check(tcase + "/" + k, ps, tol));
            if (Boolean.getBoolean("optim.verbose")) System.out.println(tcase + " step " + k + " worst scaled error " + worst);
        }
        assertThat(opt.stepCount()).isEqualTo(lrs.length);
        return worst;
    }

    @Test void sgdPlain() {
        replay("sgd_plain", ps -> new Sgd(ps, Sgd.Config.plain()), TIGHT);
    }

    @Test void sgdMomentumWithDecayOnlyOnMatrices() {
        replay("sgd_momentum", ps -> new Sgd(ps, new Sgd.Config(0.9, 0, false, 0.01)), TIGHT);
    }

    @Test void sgdNesterov() {
        replay("sgd_nesterov", ps -> new Sgd(ps, new Sgd.Config(0.9, 0, true, 0.01)), TIGHT);
    }

    @Test void sgdDampening() {
        replay("sgd_dampening", ps -> new Sgd(ps, new Sgd.Config(0.8, 0.3, false, 0)), TIGHT);
    }

    @Test void adamwTorchDefaults() {
        replay("adamw", ps -> new AdamW(ps, new AdamW.Config(0.9, 0.999, 1e-8, 0.1)), TIGHT);
    }

    @Test void adamwLlmBetas() {
        replay("adamw_llm", ps -> new AdamW(ps, new AdamW.Config(0.9, 0.95, 1e-6, 0.05)), TIGHT);
    }

    @Test void lion() {
        replay("lion", ps -> new Lion(ps, Lion.Config.defaults().withWeightDecay(0.1)), TIGHT);
    }

    @Test void lionSignAgreesWithSignumIncludingZeroAndNaN() {
        float[] special = {0f, -0f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 1e-30f, -3.5f};
        for (float v : special) {
            assertThat(Float.floatToIntBits(Lion.sign(v))).as("sign(" + v + ")").isEqualTo(Float.floatToIntBits(Math.signum(v)));
        }
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < 10_000; i++) {
            float v = Float.intBitsToFloat(r.nextInt());
            assertThat(Float.floatToIntBits(Lion.sign(v))).isEqualTo(Float.floatToIntBits(Math.signum(v)));
        }
    }

    @Test void adafactorRelativeStepDefaults() {
        replay("adafactor_default", ps -> new Adafactor(ps, Adafactor.Config.defaults()), LOOSE);
    }

    @Test void adafactorExternalLrWithFirstMoment() {
        replay("adafactor_external", ps -> new Adafactor(ps, Adafactor.Config.externalLr().withBeta1(0.9).withWeightDecay(0.01)), LOOSE);
    }

    @Test void adafactorExternalLrScaledByParameterRms() {
        replay("adafactor_scaled", ps -> new Adafactor(ps, Adafactor.Config.externalLr().withScaleParameter(true).withWeightDecay(0.1)), LOOSE);
    }

    @Test void muonNesterovWithInnerAdamW() {
        replay("muon", ps -> {
            Muon m = new Muon(ps, Muon.Config.defaults().withWeightDecay(0.1));
            assertThat(m.matrices()).extracting(Parameter::name)
                    .containsExactly("blk.0.w_tall", "blk.0.w_wide", "blk.0.attn_q.weight");
            return m;
        }, LOOSE);
    }

    @Test void muonPlainMomentumThreeSteps() {
        replay("muon_plain", ps -> new Muon(ps, new Muon.Config(0.95, false, 3, 0, 0.1, new AdamW.Config(0.9, 0.95, 1e-10, 0))), LOOSE);
    }

    @Test void bf16WeightsOverF32Masters() {
        OptimGoldens gold = OptimGoldens.get();
        List<Parameter> ps = gold.parameters();
        MixedPrecision opt = new MixedPrecision(ps, m -> new AdamW(m, new AdamW.Config(0.9, 0.95, 1e-8, 0.1)));
        gold.check("bf16_init", ps, 0);
        double[] lrs = gold.lrs();
        for (int k = 0; k < lrs.length; k++) {
            gold.loadGrads(k, ps);
            opt.step(lrs[k] * 0.1);
            gold.check("bf16_adamw_master/" + k, opt.masters(), TIGHT);
            // The visible weights are the masters rounded to BF16; allow one BF16 ulp where a master sits on a tie.
            gold.check("bf16_adamw/" + k, ps, 0);
            for (Parameter p : ps) {
                for (float v : p.data()) assertThat(MixedPrecision.roundToBF16(v)).isEqualTo(v);
            }
        }
    }
}

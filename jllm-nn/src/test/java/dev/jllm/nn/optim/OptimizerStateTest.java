package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Checkpoint round trips (k steps, export, restore into a fresh optimizer over fresh parameters,
 * more steps == continuous stepping, bit for bit), gradient handling and state validation.
 */
class OptimizerStateTest {
    private static final Map<String, Function<List<Parameter>, Optimizer>> FACTORIES = new LinkedHashMap<>();

    static {
        FACTORIES.put("sgd", ps -> new Sgd(ps, new Sgd.Config(0.9, 0, true, 0.01)));
        FACTORIES.put("adamw", ps -> new AdamW(ps, AdamW.Config.llm()));
        FACTORIES.put("lion", ps -> new Lion(ps, Lion.Config.defaults().withWeightDecay(0.1)));
        FACTORIES.put("adafactor", ps -> new Adafactor(ps, Adafactor.Config.defaults().withBeta1(0.9)));
        FACTORIES.put("muon", ps -> new Muon(ps, Muon.Config.defaults().withWeightDecay(0.1)));
        FACTORIES.put("bf16/adamw", ps -> new MixedPrecision(ps, m -> new AdamW(m, AdamW.Config.llm())));
    }

    private static List<Parameter> copy(List<Parameter> ps) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : ps) out.add(Parameter.of(p.name(), Tensor.of(p.data().clone(), p.shape()), p.decay()));
        return out;
    }

    private static void stepRange(Optimizer opt, List<Parameter> ps, int from, int to) {
        OptimGoldens gold = OptimGoldens.get();
        double[] lrs = gold.lrs();
        for (int k = from; k < to; k++) {
            gold.loadGrads(k, ps);
            opt.step(lrs[k]);
        }
    }

    private static void assertSameBits(String what, float[] got, float[] want) {
        assertThat(got.length).as(what).isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                throw new AssertionError(what + "[" + i + "] = " + got[i] + ", continuous run " + want[i]);
            }
        }
    }

    /** The checkpoint's tensors as a file reader would return them: fresh arrays, not the exporter's. */
    private static OptimizerState throughCheckpoint(OptimizerState s) {
        Map<String, Tensor> read = new LinkedHashMap<>();
        s.buffers().forEach((n, t) -> read.put(n, Tensor.of(t.toFloatArray(), t.shape())));
        return OptimizerState.fromCheckpoint(Map.copyOf(s.metadata()), read);
    }

    @Test void restoredRunContinuesBitForBit() {
        int total = OptimGoldens.get().steps(), split = 3;
        for (Map.Entry<String, Function<List<Parameter>, Optimizer>> f : FACTORIES.entrySet()) {
            List<Parameter> straight = OptimGoldens.get().parameters();
            Optimizer a = f.getValue().apply(straight);
            stepRange(a, straight, 0, total);

            List<Parameter> first = OptimGoldens.get().parameters();
            Optimizer b = f.getValue().apply(first);
            stepRange(b, first, 0, split);
            OptimizerState saved = throughCheckpoint(b.exportState());
            assertThat(saved.kind()).isEqualTo(f.getKey());
            assertThat(saved.step()).isEqualTo(split);

            List<Parameter> resumed = copy(first);
            Optimizer c = f.getValue().apply(resumed);
            c.importState(saved);
            assertThat(c.stepCount()).isEqualTo(split);
            stepRange(c, resumed, split, total);

            for (int i = 0; i < straight.size(); i++) {
                assertSameBits(f.getKey() + " " + straight.get(i).name(), resumed.get(i).data(), straight.get(i).data());
            }
            OptimizerState sa = a.exportState(), sc = c.exportState();
            assertThat(sc.buffers().keySet()).containsExactlyElementsOf(sa.buffers().keySet());
            for (String n : sa.buffers().keySet()) {
                assertSameBits(f.getKey() + " " + n, sc.buffers().get(n).toFloatArray(), sa.buffers().get(n).toFloatArray());
            }
        }
    }

    @Test void bufferNamesFollowParameterNames() {
        List<Parameter> ps = OptimGoldens.get().parameters();
        assertThat(new AdamW(ps).exportState().buffers().keySet())
                .contains("blk.0.w_tall.exp_avg", "blk.0.w_tall.exp_avg_sq", "token_embd.weight.exp_avg_sq");
        OptimizerState ada = new Adafactor(ps, Adafactor.Config.defaults()).exportState();
        assertThat(ada.buffers().get("blk.0.experts.exp_avg_sq_row").shape()).containsExactly(2, 3);
        assertThat(ada.buffers().get("blk.0.experts.exp_avg_sq_col").shape()).containsExactly(2, 4);
        assertThat(ada.buffers().get("blk.0.norm.exp_avg_sq").shape()).containsExactly(5);
        assertThat(ada.floats()).isLessThan(ps.stream().mapToLong(Parameter::numel).sum());
        OptimizerState muon = new Muon(ps).exportState();
        assertThat(muon.buffers().keySet()).contains("blk.0.w_tall.momentum_buffer", "token_embd.weight.exp_avg")
                .doesNotContain("token_embd.weight.momentum_buffer");
        assertThat(new MixedPrecision(ps, m -> new Sgd(m, Sgd.Config.momentum(0.9))).exportState().buffers().keySet())
                .contains("blk.0.norm.master", "blk.0.norm.momentum_buffer");
    }

    @Test void exportIsADeepCopy() {
        List<Parameter> ps = OptimGoldens.get().parameters();
        AdamW opt = new AdamW(ps);
        stepRange(opt, ps, 0, 1);
        OptimizerState s = opt.exportState();
        float before = s.buffers().get("blk.0.w_tall.exp_avg").toFloatArray()[0];
        stepRange(opt, ps, 1, 2);
        assertThat(s.buffers().get("blk.0.w_tall.exp_avg").toFloatArray()[0]).isEqualTo(before);
    }

    @Test void mismatchedStateIsRejectedWithItsName() {
        List<Parameter> ps = OptimGoldens.get().parameters();
        OptimizerState adam = new AdamW(ps).exportState();
        assertThatThrownBy(() -> new Lion(ps, Lion.Config.defaults()).importState(adam))
                .hasMessageContaining("state is for adamw").hasMessageContaining("lion");

        Map<String, Tensor> missing = new LinkedHashMap<>(adam.buffers());
        missing.remove("blk.0.norm.exp_avg");
        assertThatThrownBy(() -> new AdamW(ps).importState(new OptimizerState("adamw", 1, missing)))
                .hasMessageContaining("lacks buffer blk.0.norm.exp_avg");

        Map<String, Tensor> reshaped = new LinkedHashMap<>(adam.buffers());
        reshaped.put("blk.0.norm.exp_avg", Tensor.zeros(6));
        assertThatThrownBy(() -> new AdamW(ps).importState(new OptimizerState("adamw", 1, reshaped)))
                .hasMessageContaining("blk.0.norm.exp_avg has shape [6], expected [5]");

        Map<String, Tensor> extra = new LinkedHashMap<>(adam.buffers());
        extra.put("blk.9.w.exp_avg", Tensor.zeros(2));
        assertThatThrownBy(() -> new AdamW(ps).importState(new OptimizerState("adamw", 1, extra)))
                .hasMessageContaining("parameters differ");

        assertThatThrownBy(() -> OptimizerState.fromCheckpoint(Map.of("optimizer.kind", "adamw"), adam.buffers()))
                .hasMessageContaining("optimizer.step");
        assertThatThrownBy(() -> OptimizerState.fromCheckpoint(Map.of("optimizer.kind", "adamw", "optimizer.step", "x"), adam.buffers()))
                .hasMessageContaining("not an integer: x");
    }

    @Test void badConstructionIsRejected() {
        List<Parameter> ps = OptimGoldens.get().parameters();
        List<Parameter> twice = new ArrayList<>(ps);
        twice.add(ps.get(0));
        assertThatThrownBy(() -> new AdamW(twice)).hasMessageContaining("blk.0.w_tall appears twice");
        assertThatThrownBy(() -> new Muon(ps, p -> false, Muon.Config.defaults()))
                .hasMessageContaining("blk.0.norm has rank 1");
        assertThatThrownBy(() -> new Sgd.Config(0, 0, true, 0)).hasMessageContaining("Nesterov");
        assertThatThrownBy(() -> new AdamW.Config(1.0, 0.999, 1e-8, 0)).hasMessageContaining("beta1");
        assertThatThrownBy(() -> new AdamW(ps).step(-1)).hasMessageContaining("learning rate");
    }

    @Test void stepNeverClearsGradientsSoTheyCanAccumulate() {
        for (Function<List<Parameter>, Optimizer> f : FACTORIES.values()) {
            List<Parameter> ps = OptimGoldens.get().parameters();
            OptimGoldens.get().loadGrads(0, ps);
            float[] g = ps.get(0).grad().clone();
            Optimizer opt = f.apply(ps);
            opt.step(0.01);
            assertThat(ps.get(0).grad()).containsExactly(g);
            opt.zeroGrad();
            for (Parameter p : ps) for (float v : p.grad()) assertThat(v).isZero();
        }
    }

    @Test void largeParametersTakeTheParallelPathWithIdenticalResults() {
        // One 3·GRAIN-element parameter vs the same values as small parameters (updated serially):
        // every elementwise optimizer must give the same bits either way.
        int n = 3 * Elementwise.GRAIN + 17, piece = 1000;
        java.util.Random rnd = new java.util.Random(7);
        float[] w0 = new float[n], g0 = new float[n];
        for (int i = 0; i < n; i++) { w0[i] = (float) rnd.nextGaussian(); g0[i] = (float) rnd.nextGaussian(); }
        List<Function<List<Parameter>, Optimizer>> elementwise = List.of(
                ps -> new Sgd(ps, new Sgd.Config(0.9, 0, true, 0.01)),
                ps -> new AdamW(ps, AdamW.Config.llm()),
                ps -> new Lion(ps, Lion.Config.defaults().withWeightDecay(0.1)));
        for (Function<List<Parameter>, Optimizer> f : elementwise) {
            Parameter big = new Parameter("big", Tensor.of(w0.clone(), n), g0.clone(), true);
            List<Parameter> small = new ArrayList<>();
            for (int s = 0; s < n; s += piece) {
                int e = Math.min(n, s + piece);
                small.add(new Parameter("p" + s, Tensor.of(java.util.Arrays.copyOfRange(w0, s, e), e - s),
                        java.util.Arrays.copyOfRange(g0, s, e), true));
            }
            Optimizer a = f.apply(List.of(big)), b = f.apply(small);
            for (int k = 0; k < 3; k++) { a.step(0.01); b.step(0.01); }
            float[] joined = new float[n];
            for (Parameter p : small) System.arraycopy(p.data(), 0, joined, Integer.parseInt(p.name().substring(1)), p.numel());
            assertSameBits(a.kind(), joined, big.data());
        }
    }
}

package dev.jllm.models.train;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.KvCache;
import dev.jllm.models.Llama;
import dev.jllm.nn.Parameter;
import dev.jllm.nn.TrainableLM;
import dev.jllm.nn.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Llama's training path (init, parameters, step) against its own inference path: after
 * optimizer steps, the KV-cache forward must see the updated weights and give the logits the
 * training forward gives. (The numbers themselves are checked against PyTorch in
 * {@link LlamaGoldenStepTest}.)
 */
class LlamaTrainingTest {
    static final Llama.Config CONFIG = Llama.Config.llama(64, 2, 4, 2, 128, 256, 64);

    static int[] tokens(Random r, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(CONFIG.vocab());
        return t;
    }

    /** A few AdamW steps on random next-token data (large lr so the weights move visibly). */
    static void train(Llama model, int steps, int batch, int seq, long seed) {
        Random r = new Random(seed);
        AdamW opt = new AdamW(model.parameters(), AdamW.Config.llm());
        for (int s = 0; s < steps; s++) {
            int[] in = tokens(r, batch * seq), target = tokens(r, batch * seq);
            opt.zeroGrad();
            model.step(in, target, null, batch, seq, 1f);
            opt.step(1e-2);
        }
    }

    /** Logits of one sequence from the inference path (a fresh KV cache, whole prompt at once). */
    static float[] inferenceLogits(Llama model, int[] tokens, int off, int n) {
        KvCache kv = model.newState(n);
        float[] logits = new float[n * model.vocabSize()];
        model.forward(tokens, off, n, kv, logits, true);
        return logits;
    }

    static void assertClose(float[] got, int gotOff, float[] want, int wantOff, int n, double tol, String what) {
        for (int i = 0; i < n; i++) {
            float a = got[gotOff + i], b = want[wantOff + i];
            if (!(Math.abs(a - b) <= tol)) throw new AssertionError(what + "[" + i + "]: training " + a + ", inference " + b);
        }
    }

    @Test
    void afterTrainingStepsTheInferenceForwardGivesTheTrainingForwardsLogits() {
        Llama model = Llama.init(CONFIG, 42);
        int batch = 2, seq = 24, vocab = CONFIG.vocab();
        int[] probe = tokens(new Random(9), batch * seq);
        float[] before = model.trainingLogits(probe, null, batch, seq);
        train(model, 3, batch, seq, 5);
        float[] after = model.trainingLogits(probe, null, batch, seq);
        double moved = 0;
        for (int i = 0; i < after.length; i++) moved = Math.max(moved, Math.abs(after[i] - before[i]));
        assertThat(moved).as("the optimizer changed the model").isGreaterThan(1e-2);
        for (int b = 0; b < batch; b++) {
            float[] inf = inferenceLogits(model, probe, b * seq, seq);
            assertClose(after, b * seq * vocab, inf, 0, seq * vocab, 1e-4, "row " + b);
        }
    }

    @Test
    void packedDocumentsGiveTheLogitsOfEachDocumentAlone() {
        Llama model = Llama.init(CONFIG, 43);
        train(model, 2, 2, 16, 6);
        int seq = 40, vocab = CONFIG.vocab();
        int[] row = tokens(new Random(10), seq);
        int[] docs = new int[seq];
        int[] starts = {0, 13, 31};
        for (int i = 0; i < seq; i++) docs[i] = i < 13 ? 0 : i < 31 ? 1 : 2;
        float[] packed = model.trainingLogits(row, docs, 1, seq);
        for (int d = 0; d < starts.length; d++) {
            int start = starts[d], len = (d + 1 < starts.length ? starts[d + 1] : seq) - start;
            float[] alone = inferenceLogits(model, row, start, len); // positions restart at 0: RoPE is relative
            assertClose(packed, start * vocab, alone, 0, len * vocab, 1e-4, "document " + d);
        }
    }

    @Test
    void evaluationLossIsTheMeanCrossEntropyOfTheInferenceLogitsAndLeavesGradientsAlone() {
        Llama model = Llama.init(CONFIG, 44, true);
        train(model, 2, 2, 16, 7);
        int seq = 20, vocab = CONFIG.vocab();
        Random r = new Random(11);
        int[] in = tokens(r, seq), target = tokens(r, seq);
        for (int i = 0; i < seq; i += 3) target[i] = TrainableLM.IGNORE;
        for (Parameter p : model.parameters()) p.zeroGrad();
        TrainableLM.StepLoss loss = model.step(in, target, null, 1, seq, 0f);
        float[] logits = inferenceLogits(model, in, 0, seq);
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < seq; i++) {
            if (target[i] == TrainableLM.IGNORE) continue;
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int v = 0; v < vocab; v++) max = Math.max(max, logits[i * vocab + v]);
            for (int v = 0; v < vocab; v++) z += Math.exp(logits[i * vocab + v] - max);
            sum += max + Math.log(z) - logits[i * vocab + target[i]];
            counted++;
        }
        assertThat(loss.tokens()).isEqualTo(counted);
        assertThat(loss.loss()).isCloseTo(sum / counted, org.assertj.core.api.Assertions.within(1e-4));
        for (Parameter p : model.parameters()) {
            for (float g : p.grad()) assertThat(g).as(p.name()).isZero();
        }
    }

    @Test
    void parametersFollowGgufNamesWithDecayOnHiddenMatricesAndTiedOutputSharesTheEmbedding() {
        List<Parameter> ps = Llama.init(CONFIG, 1).parameters();
        assertThat(ps).extracting(Parameter::name).containsExactly(
                "token_embd.weight",
                "blk.0.attn_norm.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight",
                "blk.0.attn_output.weight", "blk.0.ffn_norm.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight",
                "blk.0.ffn_down.weight",
                "blk.1.attn_norm.weight", "blk.1.attn_q.weight", "blk.1.attn_k.weight", "blk.1.attn_v.weight",
                "blk.1.attn_output.weight", "blk.1.ffn_norm.weight", "blk.1.ffn_gate.weight", "blk.1.ffn_up.weight",
                "blk.1.ffn_down.weight",
                "output_norm.weight", "output.weight");
        for (Parameter p : ps) {
            boolean hiddenMatrix = p.shape().length == 2 && !p.name().equals("token_embd.weight");
            assertThat(p.decay()).as(p.name()).isEqualTo(hiddenMatrix);
        }
        // init statistics: std 0.02, residual projections 0.02/sqrt(2*layers), norms 1
        assertThat(std(ps.get(7).data())).isCloseTo(0.02, org.assertj.core.api.Assertions.within(0.001));
        assertThat(std(ps.get(9).data())).isCloseTo(0.02 / Math.sqrt(4), org.assertj.core.api.Assertions.within(0.0005));
        assertThat(ps.get(1).data()).containsOnly(1f);

        Llama tied = Llama.init(CONFIG, 1, true);
        assertThat(tied.parameters()).extracting(Parameter::name).doesNotContain("output.weight");
        assertThat(tied.parameters()).hasSize(ps.size() - 1);
        assertThat(tied.parameters()).isSameAs(tied.parameters()); // stable: optimizer state follows it
    }

    static double std(float[] x) {
        double s = 0, s2 = 0;
        for (float v : x) { s += v; s2 += (double) v * v; }
        double m = s / x.length;
        return Math.sqrt(s2 / x.length - m * m);
    }

    @Test
    void aMemoryMappedModelAndBadBatchesAreRefusedWithTheReason() throws Exception {
        try (GgufFile g = GgufFile.open(Path.of("src/test/resources/models/llama-tiny/model.gguf"))) {
            Llama mapped = Llama.fromGguf(g);
            assertThatThrownBy(mapped::parameters).hasMessageContaining("training needs heap F32 weights (Llama.init or trainableCopy())")
                    .hasMessageContaining("token_embd.weight");
        }
        Llama model = Llama.init(CONFIG, 2);
        assertThatThrownBy(() -> model.step(new int[10], new int[10], null, 2, 4, 1f))
                .hasMessageContaining("inputs has 10 ids, expected batch*seqLen = 8");
        assertThatThrownBy(() -> model.step(new int[8], new int[7], null, 2, 4, 1f)).hasMessageContaining("targets has 7 ids");
        assertThatThrownBy(() -> model.step(new int[8], new int[8], new int[3], 2, 4, 1f)).hasMessageContaining("docIds has 3 ids");
        assertThatThrownBy(() -> model.step(new int[8], new int[8], null, 2, 4, -1f)).hasMessageContaining("gradScale");
        int[] bad = new int[8];
        bad[3] = 999;
        assertThatThrownBy(() -> model.step(bad, new int[8], null, 2, 4, 1f)).hasMessageContaining("999");
    }
}

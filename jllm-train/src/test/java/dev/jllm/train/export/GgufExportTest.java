package dev.jllm.train.export;

import dev.jllm.engine.LoadedModel;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.KvCache;
import dev.jllm.models.Llama;
import dev.jllm.tensor.DType;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.chat.ChatMessage;
import dev.jllm.train.Checkpoint;
import dev.jllm.train.ProgressLine;
import dev.jllm.train.RunData;
import dev.jllm.train.TrainingRun;
import dev.jllm.train.recipe.Recipe;
import dev.jllm.train.recipe.RecipeReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A briefly trained tiny-test model exported to GGUF and run by the inference loader. */
class GgufExportTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    @TempDir static Path tmp;
    static Path checkpoint;
    static Llama trained;
    static Tokenizer trainedTokenizer;
    static final String TEXT = "The jury said it did find that the city's election was conducted well.";

    @BeforeAll
    static void train() throws IOException {
        Recipe r = RecipeReader.read(ROOT.resolve("recipes/tiny-test.yaml"));
        r.training.steps = 6;
        r.schedule.warmup = 2;
        r.model.tiedEmbeddings = false; // exercise output.weight too
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        try (TrainingRun run = TrainingRun.open(r, ROOT, tmp.resolve("run"), false, quiet, new ProgressLine(quiet, false))) {
            run.run();
            trained = run.model();
            trainedTokenizer = run.data().tokenizer();
        }
        checkpoint = Checkpoint.latest(tmp.resolve("run/checkpoints"));
    }

    private int[] prompt(Tokenizer tok) {
        int[] body = tok.encode(TEXT, false, false);
        int[] ids = new int[body.length + 1];
        ids[0] = RunData.eosOf(tok, Path.of("test"));
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    @Test
    void f32ExportRunsWithTheSameLogitsAsTraining() throws IOException {
        Path out = tmp.resolve("model-f32.gguf");
        GgufExport.Summary s = GgufExport.export(checkpoint, out, GgufExport.WeightType.F32);
        assertThat(s.tensorTypes()).containsEntry("output.weight", "F32").containsEntry("blk.0.attn_norm.weight", "F32");
        try (LoadedModel lm = LoadedModel.open(out)) {
            Tokenizer tok = lm.tokenizer();
            int[] ids = prompt(trainedTokenizer);
            // The GGUF tokenizer (read by the inference path) encodes like the trained tokenizer.json.
            assertThat(tok.encode(TEXT, true, true)).containsExactly(ids);
            assertThat(tok.decode(tok.encode(TEXT, false, false))).isEqualTo(TEXT);
            assertThat(tok.eosId()).isEqualTo(ids[0]);
            // The embedded chat template renders with jllm's renderer.
            assertThat(lm.ownTemplate()).isTrue();
            assertThat(lm.chatTemplate().render(List.of(ChatMessage.user("Hello")), true)).isEqualTo("User: Hello\n\nAssistant:");

            int n = ids.length, v = trained.vocabSize();
            float[] train = trained.trainingLogits(ids, null, 1, n);
            float[] infer = logits(lm.model(), ids, v);
            float[] memory = logits(trained, ids, v);
            // Same F32 weights and kernels; mapped and heap tensors may take different vector paths,
            // so sums can round differently in the last bits.
            assertThat(infer).containsExactly(memory, org.assertj.core.data.Offset.offset(1e-5f));
            double maxDiff = 0, maxAbs = 0;
            for (int i = 0; i < train.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(train[i] - infer[i]));
                maxAbs = Math.max(maxAbs, Math.abs(train[i]));
            }
            assertThat(maxDiff).as("max |training - inference| logit, scale %s", maxAbs).isLessThan(1e-4 * Math.max(1, maxAbs));
        }
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(g.string("general.architecture")).isEqualTo("llama");
            assertThat(g.integer("llama.block_count")).isEqualTo(2);
            assertThat(g.integer("llama.attention.head_count_kv")).isEqualTo(2);
            assertThat(g.string("tokenizer.ggml.model")).isEqualTo("gpt2");
            assertThat(g.tensorInfos()).containsKeys("token_embd.weight", "blk.1.ffn_down.weight", "output_norm.weight", "output.weight");
        }
    }

    @Test
    void f16AndQ8ExportsStayCloseToF32() throws IOException {
        int[] ids = prompt(trainedTokenizer);
        float[] ref = logits(trained, ids, trained.vocabSize());
        for (GgufExport.WeightType t : new GgufExport.WeightType[]{GgufExport.WeightType.F16, GgufExport.WeightType.Q8_0}) {
            Path out = tmp.resolve("model-" + t + ".gguf");
            GgufExport.Summary s = GgufExport.export(checkpoint, out, t);
            assertThat(s.tensorTypes()).containsEntry("blk.0.attn_q.weight", t.dtype.name()).containsEntry("output_norm.weight", "F32");
            try (LoadedModel lm = LoadedModel.open(out)) {
                assertThat(((Llama) lm.model()).weightType()).isEqualTo(t.dtype);
                float[] got = logits(lm.model(), ids, trained.vocabSize());
                double maxDiff = 0;
                for (int i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
                assertThat(maxDiff).as(t.toString()).isLessThan(t == GgufExport.WeightType.F16 ? 5e-3 : 5e-2);
            }
        }
        assertThat(GgufExport.WeightType.parse("q8_0")).isEqualTo(GgufExport.WeightType.Q8_0);
        assertThatThrownBy(() -> GgufExport.WeightType.parse("q4_k")).hasMessageContaining("supported: f32, f16, q8_0");
    }

    @Test
    void aCheckpointWithoutStateIsRejected() {
        assertThatThrownBy(() -> GgufExport.export(tmp.resolve("nothing"), tmp.resolve("x.gguf"), GgufExport.WeightType.F32))
                .hasMessageContaining("does not exist");
    }

    private static float[] logits(dev.jllm.models.CausalLM m, int[] ids, int vocab) {
        Llama l = (Llama) m;
        KvCache kv = l.newState(ids.length, DType.F32);
        float[] out = new float[ids.length * vocab];
        l.forward(ids, 0, ids.length, kv, out, true);
        return out;
    }
}

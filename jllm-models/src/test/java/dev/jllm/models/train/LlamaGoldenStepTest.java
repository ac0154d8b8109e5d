package dev.jllm.models.train;

import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.models.Llama;
import dev.jllm.nn.Parameter;
import dev.jllm.nn.TrainableLM;
import dev.jllm.nn.optim.AdamW;
import dev.jllm.nn.optim.Muon;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * One training step of a tiny Llama (dim 64, 2 layers, 4 heads / 2 KV heads, ffn 128, vocab
 * 256, batch 2 x 32 with a packed row and ignored targets) against a plain PyTorch model with
 * the same weights: tools/train/golden_step.py. Loss and every gradient within 1e-4 (relative
 * to the tensor's largest reference value), weights after one AdamW / Muon step within 1e-5.
 *
 * <p>The optimizer steps start from PyTorch's gradients: Adam's first step moves each weight
 * by about {@code lr * g / (|g| + eps)}, which turns float32 rounding noise of 1e-10 in a
 * gradient near 1e-8 into 1e-5 of weight change, so comparing updates made from two slightly
 * different gradients would measure that amplification rather than the optimizer. The
 * gradients themselves are compared just above.
 */
class LlamaGoldenStepTest {
    static final Path DIR = Path.of("src/test/resources/train");
    static Llama.Config config;
    static int batch, seq;
    static int[] inputs, targets, docIds;

    @BeforeAll
    static void readBatch() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve("llama_step_init.safetensors"))) {
            var meta = f.stringMetadata();
            var cfg = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.get("config"));
            config = Llama.Config.llama(cfg.get("dim").asInt(), cfg.get("layers").asInt(), cfg.get("heads").asInt(),
                    cfg.get("kv_heads").asInt(), cfg.get("ffn").asInt(), cfg.get("vocab").asInt(), 128);
            batch = cfg.get("batch").asInt();
            seq = cfg.get("seq").asInt();
            inputs = ints(meta.get("inputs"));
            targets = ints(meta.get("targets"));
            docIds = ints(meta.get("doc_ids"));
        }
    }

    static int[] ints(String s) { return Arrays.stream(s.trim().split(" ")).mapToInt(Integer::parseInt).toArray(); }

    /** A model holding PyTorch's initial weights, with the gradients of the golden batch accumulated. */
    static Llama modelAfterBackward() throws IOException {
        Llama model = Llama.init(config, 0);
        load(model.parameters(), "llama_step_init.safetensors");
        TrainableLM.StepLoss loss = model.step(inputs, targets, docIds, batch, seq, 1f);
        try (SafetensorsFile g = SafetensorsFile.open(DIR.resolve("llama_step_grads.safetensors"))) {
            double want = Double.parseDouble(g.stringMetadata().get("loss"));
            assertThat(loss.loss()).as("loss").isCloseTo(want, within(1e-4 * Math.abs(want)));
            assertThat(loss.tokens()).isEqualTo(Long.parseLong(g.stringMetadata().get("tokens")));
        }
        return model;
    }

    static void load(List<Parameter> params, String file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve(file))) {
            assertThat(f.infos().keySet()).containsExactlyInAnyOrderElementsOf(params.stream().map(Parameter::name).toList());
            for (Parameter p : params) {
                float[] v = f.tensor(p.name()).toFloatArray();
                System.arraycopy(v, 0, p.data(), 0, v.length);
            }
        }
    }

    /** Every parameter's {@code values(p)} against the file's tensor of that name: max |diff| <= tol * scale. */
    static void assertMatches(List<Parameter> params, String file, boolean gradients, double tol, boolean relative)
            throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve(file))) {
            for (Parameter p : params) {
                float[] want = f.tensor(p.name()).toFloatArray(), got = gradients ? p.grad() : p.data();
                double scale = 0, worst = 0;
                for (float w : want) scale = Math.max(scale, Math.abs(w));
                int at = -1;
                for (int i = 0; i < want.length; i++) {
                    double d = Math.abs(got[i] - want[i]);
                    if (d > worst) { worst = d; at = i; }
                }
                double limit = relative ? tol * scale : tol;
                if (!(worst <= limit)) {
                    throw new AssertionError(file + " " + p.name() + "[" + at + "]: jllm " + got[at] + ", PyTorch " + want[at]
                            + " (|diff| " + worst + " > " + limit + ")");
                }
            }
        }
    }

    @Test
    void lossAndEveryGradientMatchPyTorch() throws IOException {
        Llama model = modelAfterBackward();
        assertMatches(model.parameters(), "llama_step_grads.safetensors", true, 1e-4, true);
    }

    /** PyTorch's initial weights with PyTorch's gradients in {@link Parameter#grad()}. */
    static Llama modelWithTorchGradients() throws IOException {
        Llama model = Llama.init(config, 0);
        load(model.parameters(), "llama_step_init.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve("llama_step_grads.safetensors"))) {
            for (Parameter p : model.parameters()) {
                float[] g = f.tensor(p.name()).toFloatArray();
                System.arraycopy(g, 0, p.grad(), 0, g.length);
            }
        }
        return model;
    }

    @Test
    void oneAdamWStepMatchesTorchOptimAdamW() throws IOException {
        Llama model = modelWithTorchGradients();
        AdamW opt = new AdamW(model.parameters(), new AdamW.Config(0.9, 0.95, 1e-8, 0.1));
        opt.step(1e-3);
        assertMatches(model.parameters(), "llama_step_adamw.safetensors", false, 1e-5, false);
    }

    /**
     * Muon lr 0.02 (momentum 0.95 Nesterov, 5 float32 Newton-Schulz steps, weight decay 0.1) on
     * the blocks' matrices; the embedding, head and norms go to AdamW at lr 1e-3 (ratio 0.05).
     */
    @Test
    void oneMuonStepMatchesTheReferenceMuonWithAdamWForTheRest() throws IOException {
        Llama model = modelWithTorchGradients();
        Muon opt = new Muon(model.parameters(), new Muon.Config(0.95, true, 5, 0.1, 0.05, new AdamW.Config(0.9, 0.95, 1e-8, 0.1)));
        assertThat(opt.matrices()).extracting(Parameter::name).allMatch(n -> n.startsWith("blk.")).hasSize(14);
        opt.step(0.02);
        assertMatches(model.parameters(), "llama_step_muon.safetensors", false, 1e-5, false);
    }
}

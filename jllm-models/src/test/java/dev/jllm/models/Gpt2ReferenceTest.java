package dev.jllm.models;

import dev.jllm.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GPT-2 (learned positions, LayerNorm with bias, fused q/k/v, GELU-tanh, tied output) from GGUF
 * and from an HF checkpoint (Conv1D weights), against tools/models/gpt2_reference.py
 * (PyTorch, GPT2LMHeadModel semantics).
 */
class Gpt2ReferenceTest {

    @Test
    void ggufLogitsAndGreedyMatchPyTorch() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("gpt2-tiny");
        try (ModelLoader.Loaded l = ModelLoader.load(f.gguf())) {
            assertThat(l.model()).isInstanceOf(Gpt2.class);
            System.out.printf("gpt2-tiny: max |logit diff| / range = %.2e%n", f.checkLogits(l.model(), 1e-3));
            f.checkGreedy(l.model());
        }
    }

    @Test
    void huggingFaceCheckpointGivesTheSameLogits() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("gpt2-tiny");
        try (ModelLoader.Loaded l = ModelLoader.load(f.dir().resolve("hf"))) {
            f.checkLogits(l.model(), 1e-3);
            f.checkGreedy(l.model());
        }
    }

    /** K/V cached as F16 or Q8_0 (the paged path over one block): PyTorch's logits within the rounding, greedy unchanged. */
    @ParameterizedTest
    @ValueSource(strings = {"F16", "Q8_0"})
    void roundedKvCachesStayCloseToPyTorch(String type) throws Exception {
        ReferenceFixture f = ReferenceFixture.load("gpt2-tiny");
        DType kv = DType.valueOf(type);
        try (ModelLoader.Loaded l = ModelLoader.load(f.gguf())) {
            double worst = f.checkLogits(l.model(), kv == DType.F16 ? 2e-3 : 2e-2, kv);
            System.out.printf("gpt2-tiny KV %s: max |logit diff| / range vs PyTorch = %.2e%n", type, worst);
            assertThat(worst).as("the rounding shows").isGreaterThan(0);
            f.checkGreedy(l.model(), kv);
        }
    }

    /** Q8_0 matrices (and an explicit output.weight); the reference ran on the dequantized weights. */
    @Test
    void q8_0MatchesPyTorchOnTheDequantizedWeights() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("gpt2-q8_0");
        try (ModelLoader.Loaded l = ModelLoader.load(f.gguf())) {
            double worst = f.checkLogits(l.model(), 1.5e-2); // activations are rounded to 8 bits as well, as in ggml
            System.out.printf("gpt2-q8_0: max |logit diff| / range = %.2e%n", worst);
        }
    }

    @Test
    void positionsEndAtTheContextAndBadFilesAreNamed() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("gpt2-tiny");
        try (ModelLoader.Loaded l = ModelLoader.load(f.gguf())) {
            CausalLM m = l.model();
            assertThat(m.contextLength()).isEqualTo(64);
            ModelState s = m.newState(1000);
            assertThat(s.capacity()).isEqualTo(64);
            int[] ids = new int[65];
            assertThatThrownBy(() -> m.forward(ids, 0, 65, s, new float[m.vocabSize()], false))
                    .hasMessageContaining("learned positions for 64");
        }
        Path dir = Files.createTempDirectory("jllm-gpt2");
        Files.copy(f.dir().resolve("hf/model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), Files.readString(f.dir().resolve("hf/config.json")).replace("\"n_layer\": 2", "\"n_layer\": 3"));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("missing tensor h.2.ln_1.weight");
        Files.writeString(dir.resolve("config.json"), Files.readString(f.dir().resolve("hf/config.json")).replace("\"gpt2\"", "\"bloom\""));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("'bloom'").hasMessageContaining("gpt2");
    }
}

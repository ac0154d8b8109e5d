package dev.jllm.formats.hf;

import dev.jllm.formats.Fixtures;
import dev.jllm.formats.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configs as published on the Hugging Face hub (copied into test resources). */
class HfConfigTest {
    @TempDir Path dir;

    private HfConfig read(String name) throws Exception {
        return HfConfig.read(Fixtures.copy("configs/" + name, Files.createDirectories(dir.resolve("configs")).getParent()));
    }

    @Test
    void llama31WithLlama3RopeScaling() throws Exception {
        HfConfig c = read("llama-3.1-8b.json");
        assertThat(c.architecture()).isEqualTo("LlamaForCausalLM");
        assertThat(c.modelType()).isEqualTo("llama");
        assertThat(c.hiddenSize()).isEqualTo(4096);
        assertThat(c.intermediateSize()).isEqualTo(14336);
        assertThat(c.numHiddenLayers()).isEqualTo(32);
        assertThat(c.numAttentionHeads()).isEqualTo(32);
        assertThat(c.numKeyValueHeads()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(c.ropeScaling().type()).isEqualTo("llama3");
        assertThat(c.ropeScaling().factor()).isEqualTo(8.0);
        assertThat(c.ropeScaling().lowFreqFactor()).isEqualTo(1.0);
        assertThat(c.ropeScaling().highFreqFactor()).isEqualTo(4.0);
        assertThat(c.ropeScaling().originalMaxPositionEmbeddings()).isEqualTo(8192);
        assertThat(c.rmsNormEps()).isEqualTo(1e-5);
        assertThat(c.layerNormEps()).isNull();
        assertThat(c.vocabSize()).isEqualTo(128256);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(131072);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.torchDtype()).isEqualTo("bfloat16");
        assertThat(c.bosTokenIds()).containsExactly(128000L);
        assertThat(c.eosTokenIds()).containsExactly(128001L, 128008L, 128009L);
        assertThat(c.isMoe()).isFalse();
        assertThat(c.mla()).isNull();
        assertThat(c.raw().get("hidden_act").asText()).isEqualTo("silu");
    }

    @Test
    void deepseekV3MoeAndMla() throws Exception {
        HfConfig c = read("deepseek-v3.json");
        assertThat(c.moe()).isEqualTo(new MoeConfig(256, 8, 2048, 1, 256, 2.5, 3, "sigmoid", "noaux_tc", true));
        assertThat(c.mla()).isEqualTo(new MlaConfig(512, 1536, 64, 128, 128));
        assertThat(c.ropeScaling().type()).isEqualTo("yarn");
        assertThat(c.ropeScaling().factor()).isEqualTo(40.0);
        assertThat(c.ropeScaling().betaFast()).isEqualTo(32.0);
        assertThat(c.ropeScaling().betaSlow()).isEqualTo(1.0);
        assertThat(c.ropeScaling().mscale()).isEqualTo(1.0);
        assertThat(c.ropeScaling().mscaleAllDim()).isEqualTo(1.0);
        assertThat(c.ropeScaling().originalMaxPositionEmbeddings()).isEqualTo(4096);
        assertThat(c.eosTokenIds()).containsExactly(1L);
    }

    @Test
    void mixtralExpertsAndDefaults() throws Exception {
        HfConfig c = read("mixtral-8x7b.json");
        assertThat(c.moe().numExperts()).isEqualTo(8);
        assertThat(c.moe().numExpertsPerTok()).isEqualTo(2);
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        assertThat(c.slidingWindow()).isNull();
        assertThat(c.ropeScaling()).isNull();
    }

    @Test
    void qwen2TiedEmbeddingsAndDisabledSlidingWindow() throws Exception {
        HfConfig c = read("qwen2.5-0.5b.json");
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.slidingWindow()).as("use_sliding_window is false").isNull();
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.vocabSize()).isEqualTo(151936);
    }

    @Test
    void gpt2Aliases() throws Exception {
        HfConfig c = read("gpt2.json");
        assertThat(List.of(c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim()))
                .containsExactly(768, 12, 12, 12, 64);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(1024);
        assertThat(c.layerNormEps()).isEqualTo(1e-5);
        assertThat(c.intermediateSize()).isNull();
        assertThat(c.tieWordEmbeddings()).isNull();
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
    }

    @Test
    void multimodalReadsTheTextConfig() throws Exception {
        HfConfig c = read("gemma3-multimodal.json");
        assertThat(c.architecture()).isEqualTo("Gemma3ForConditionalGeneration");
        assertThat(c.modelType()).isEqualTo("gemma3_text");
        assertThat(c.hiddenSize()).isEqualTo(2560);
        assertThat(c.headDim()).isEqualTo(256);
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.slidingWindow()).isEqualTo(1024);
        assertThat(c.ropeScaling().type()).isEqualTo("linear");
        assertThat(c.eosTokenIds()).containsExactly(1L, 106L);
    }

    @Test
    void badConfigsNameTheField() throws Exception {
        Path p = dir.resolve("config.json");
        Files.writeString(p, "{\"hidden_size\": 64, \"num_attention_heads\": 4}");
        assertThatThrownBy(() -> HfConfig.read(p)).isInstanceOf(ModelFormatException.class).hasMessageContaining("num_hidden_layers");
        Files.writeString(p, "{\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"num_key_value_heads\": 3}");
        assertThatThrownBy(() -> HfConfig.read(p)).hasMessageContaining("num_key_value_heads 3 must divide num_attention_heads 4");
        Files.writeString(p, "{\"hidden_size\": \"big\", \"num_attention_heads\": 4, \"num_hidden_layers\": 2}");
        assertThatThrownBy(() -> HfConfig.read(p)).hasMessageContaining("hidden_size must be a non-negative integer");
        Files.writeString(p, "{\"hidden_size\": 64,");
        assertThatThrownBy(() -> HfConfig.read(p)).hasMessageContaining("malformed JSON");
    }
}

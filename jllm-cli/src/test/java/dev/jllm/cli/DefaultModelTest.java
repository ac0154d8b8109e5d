package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped default model (models/jllm-brown-small.gguf) is found without -m and is a trained model. */
class DefaultModelTest {
    @Test
    void theShippedModelIsFoundFromTheRepository() {
        assertThat(Files.isRegularFile(DefaultModel.resolve(null))).isTrue();
    }

    @Test
    void generateRunsOnItWithoutDashM() throws Exception {
        JsonNode o = new ObjectMapper().readTree(GenerateCommandTest.run(
                "generate", "-p", "The jury said that", "-n", "12", "--seed", "7", "--json"));
        assertThat(o.get("ids")).hasSize(12);
        assertThat(o.get("text").asText()).isNotBlank();
    }

    @Test
    void itHasLearnedEnglish() throws Exception {
        // An untrained model over its 4,096-token vocabulary scores ~4,000; the trained one is far below.
        JsonNode o = new ObjectMapper().readTree(GenerateCommandTest.run("score", "--text",
                "The jury said that the city was in good hands and that the election had been conducted fairly.",
                "--json"));
        assertThat(o.get("perplexity").asDouble()).isBetween(1.0, 150.0);
    }
}

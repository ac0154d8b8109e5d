package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** score and logits on the tiny reference Llama; logits are compared with the PyTorch golden rows. */
class ScoreLogitsCommandTest {
    static final Path DIR = Path.of("../jllm-models/src/test/resources/models/llama-tiny");
    static final String MODEL = DIR.resolve("model.gguf").toString();

    @Test
    void logitsJsonMatchesPyTorchAndHasTheDocumentedShape() throws Exception {
        String[] golden;
        try (BufferedReader in = Files.newBufferedReader(DIR.resolve("golden.txt"))) {
            golden = in.lines().toArray(String[]::new);
        }
        String tokens = golden[0].trim().replace(' ', ',');
        JsonNode o = new ObjectMapper().readTree(GenerateCommandTest.run("logits", "-m", MODEL, "--tokens", tokens, "--top", "3", "--full", "--json"));
        int n = tokens.split(",").length;
        assertThat(o.get("positions")).hasSize(n);
        String[] lastRow = golden[3 + n - 1].trim().split(" ");
        JsonNode last = o.get("last_logits");
        assertThat(last).hasSize(lastRow.length);
        for (int i = 0; i < lastRow.length; i++) {
            assertThat(last.get(i).asDouble()).isCloseTo(Double.parseDouble(lastRow[i]), offset(2e-3));
        }
        // top-1 of every position is the argmax of the PyTorch row
        for (int t = 0; t < n; t++) {
            String[] row = golden[3 + t].trim().split(" ");
            int arg = 0;
            for (int i = 1; i < row.length; i++) if (Double.parseDouble(row[i]) > Double.parseDouble(row[arg])) arg = i;
            JsonNode top = o.get("positions").get(t).get("top");
            assertThat(top).hasSize(3);
            assertThat(top.get(0).get("id").asInt()).isEqualTo(arg);
            assertThat(top.get(0).get("logit").asDouble()).isGreaterThanOrEqualTo(top.get(1).get("logit").asDouble());
        }
    }

    @Test
    void perplexityIsExpOfTheMeanNegativeLogprob() throws Exception {
        JsonNode o = new ObjectMapper().readTree(GenerateCommandTest.run("score", "-m", MODEL, "--text", "We were not rushed.", "--json"));
        JsonNode lp = o.get("logprobs");
        assertThat(lp).hasSize(o.get("ids").size() - 1);
        double sum = 0;
        for (JsonNode x : lp) {
            assertThat(x.asDouble()).isLessThanOrEqualTo(0);
            sum += x.asDouble();
        }
        assertThat(o.get("perplexity").asDouble()).isCloseTo(Math.exp(-sum / lp.size()), offset(1e-9));
        // A random 1000-token model is near-uniform: perplexity in the hundreds, below the vocabulary size.
        assertThat(o.get("perplexity").asDouble()).isBetween(50.0, 5000.0);
    }
}

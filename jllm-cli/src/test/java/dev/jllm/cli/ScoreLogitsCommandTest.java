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

    /** Exit code, stdout and stderr of one command. */
    static String[] runWithCode(String... args) {
        var cl = Main.commandLine();
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    /** A text past the context: a clear error naming --stride; with it, sliding windows that score every token once. */
    @Test
    void longTextsAreScoredInSlidingWindows() throws Exception {
        String text = "We were not rushed, and the river ran by the old mill. ".repeat(40);
        String[] r = runWithCode("score", "-m", MODEL, "--text", text);
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("more than the model's context").contains("--stride");
        ObjectMapper om = new ObjectMapper();
        JsonNode chunks = om.readTree(GenerateCommandTest.run("score", "-m", MODEL, "--text", text, "--stride", "128", "--json"));
        JsonNode half = om.readTree(GenerateCommandTest.run("score", "-m", MODEL, "--text", text, "--stride", "64", "--json"));
        int n = half.get("ids").size(), ctx = 128; // llama-tiny's context
        assertThat(n).isGreaterThan(2 * ctx);
        assertThat(half.get("windows").asInt()).isEqualTo((n - ctx + 63) / 64 + 1);
        assertThat(half.get("scored").asInt()).isEqualTo(n - 1);
        double sum = 0;
        for (JsonNode x : half.get("logprobs")) {
            assertThat(x.isNull()).isFalse();
            sum += x.asDouble();
        }
        assertThat(half.get("perplexity").asDouble()).isCloseTo(Math.exp(-sum / (n - 1)), offset(1e-9));
        // Disjoint windows leave each window's first token unscored; the first window is the same in both.
        int windows = chunks.get("windows").asInt();
        assertThat(windows).isEqualTo((n + ctx - 1) / ctx);
        assertThat(chunks.get("scored").asInt()).isEqualTo(n - 1 - (windows - 1));
        for (int w = 1; w < windows; w++) assertThat(chunks.get("logprobs").get(w * ctx - 1).isNull()).as("token %d", w * ctx).isTrue();
        for (int t = 0; t < ctx - 1; t++) {
            assertThat(chunks.get("logprobs").get(t).asDouble()).isCloseTo(half.get("logprobs").get(t).asDouble(), offset(1e-5));
        }
        // Past the first window, stride 64 gives each token 64..127 tokens of context where disjoint windows give 0..127.
        assertThat(chunks.get("logprobs").get(ctx + 5).asDouble()).isNotCloseTo(half.get("logprobs").get(ctx + 5).asDouble(), offset(1e-6));
        assertThat(runWithCode("score", "-m", MODEL, "--text", text, "--stride", "129")[2]).contains("--stride must be between 1 and");
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

package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.models.ModelLoader;
import dev.jllm.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** {@code --kv-type} on generate, score, chat and bench -m, on the tiny reference Llama. */
class KvTypeOptionTest {
    static final Path DIR = Path.of("../jllm-models/src/test/resources/models/llama-tiny");
    static final String MODEL = DIR.resolve("model.gguf").toString();

    /** The 32-token greedy continuation through an F16 or Q8_0 cache is PyTorch's (golden.txt line 2). */
    @ParameterizedTest
    @ValueSource(strings = {"F16", "Q8_0", "q8_0"})
    void generateRunsOnARoundedCacheAndKeepsPyTorchsGreedyContinuation(String type) throws Exception {
        List<String> golden = Files.readAllLines(DIR.resolve("golden.txt"));
        String prompt = golden.get(0).trim().replace(' ', ',');
        String want = "[" + golden.get(1).trim().replace(' ', ',') + "]";
        JsonNode o = new ObjectMapper().readTree(GenerateCommandTest.run("generate", "-m", MODEL, "--prompt-tokens", prompt,
                "-n", "32", "--temperature", "0", "--kv-type", type, "--json"));
        assertThat(o.get("ids").toString()).isEqualTo(want);
    }

    @Test
    void scoreWithAQ8_0CacheStaysCloseToF32() throws Exception {
        ObjectMapper om = new ObjectMapper();
        double f32 = om.readTree(GenerateCommandTest.run("score", "-m", MODEL, "--text", "We were not rushed.", "--json")).get("perplexity").asDouble();
        double q8 = om.readTree(GenerateCommandTest.run("score", "-m", MODEL, "--text", "We were not rushed.", "--kv-type", "Q8_0", "--json"))
                .get("perplexity").asDouble();
        assertThat(q8).isCloseTo(f32, offset(0.02 * f32));
    }

    @Test
    void chatTakesTheOption() {
        var oldIn = System.in;
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setIn(new java.io.ByteArrayInputStream("Hello\n/exit\n".getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.commandLine().execute("chat", "-m", MODEL, "-n", "4", "--temperature", "0", "--kv-type", "F16")).isZero();
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isNotBlank();
    }

    /** bench -m reports the cache's type and bytes: Q8_0 holds 34 bytes per 32 values, F32 128. */
    @Test
    void benchReportsTheCacheSize() throws Exception {
        ObjectMapper om = new ObjectMapper();
        PrintStream oldErr = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        JsonNode f32, q8;
        try {
            f32 = om.readTree(GenerateCommandTest.run("bench", "-m", MODEL, "--prompt-len", "8", "--gen", "4", "--json"));
            q8 = om.readTree(GenerateCommandTest.run("bench", "-m", MODEL, "--prompt-len", "8", "--gen", "4", "--kv-type", "Q8_0", "--json"));
        } finally {
            System.setErr(oldErr);
        }
        assertThat(f32.get("kv_type").asText()).isEqualTo("F32");
        assertThat(q8.get("kv_type").asText()).isEqualTo("Q8_0");
        assertThat(q8.get("kv_bytes").asLong() * 128).isEqualTo(f32.get("kv_bytes").asLong() * 34);
    }

    @Test
    void aBadTypeNamesTheThreeChoices() {
        for (String cmd : List.of("generate", "score", "chat", "bench", "serve")) {
            java.io.StringWriter err = new java.io.StringWriter();
            var cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            int rc = cl.execute(cmd, "-m", MODEL, "--kv-type", "q4_0");
            assertThat(rc).as(cmd).isEqualTo(2);
            assertThat(err.toString()).as(cmd).contains("--kv-type").contains("f32, f16 or q8_0, got 'q4_0'");
        }
    }

    /** Every family takes F16; Q8_0 needs cache rows of a multiple of 32 values, and the error says so. */
    @Test
    void aCacheRowQ8_0CannotSplitSaysSo() throws Exception {
        try (ModelLoader.Loaded l = ModelLoader.load(Path.of("../jllm-models/src/test/resources/models/deepseek2-lite/model.gguf"))) {
            assertThat(l.model().newState(8, DType.F16).capacity()).isEqualTo(8);
            assertThatThrownBy(() -> l.model().newState(8, DType.Q8_0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("multiple of 32");
        }
        try (ModelLoader.Loaded l = ModelLoader.load(Path.of("../jllm-models/src/test/resources/models/gpt2-tiny/model.gguf"))) {
            assertThat(l.model().newState(8, DType.Q8_0).capacity()).as("GPT-2 takes F16/Q8_0 too").isEqualTo(8);
        }
    }
}

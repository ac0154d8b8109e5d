package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class GenerateCommandTest {
    static final String MODEL = "../jllm-models/src/test/resources/models/llama-tiny/model.gguf";

    static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.commandLine().execute(args);
            assertThat(rc).isZero();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonHasTheDocumentedShape() throws Exception {
        String out = run("generate", "-m", MODEL, "--prompt-tokens", "55,69,513,472,366,407,960,14", "-n", "5",
                "--temperature", "0", "--json");
        JsonNode o = new ObjectMapper().readTree(out);
        assertThat(o.get("prompt_ids")).hasSize(8);
        assertThat(o.get("ids")).hasSize(5);
        // The PyTorch greedy continuation starts 563 773 730 952 17 (tools/models/llama_reference.py).
        assertThat(o.get("ids").toString()).isEqualTo("[563,773,730,952,17]");
        assertThat(o.get("finish_reason").asText()).isEqualTo("length");
        assertThat(o.get("text").isTextual()).isTrue();
        assertThat(o.get("stats").get("ttft_ms").isNumber()).isTrue();
        assertThat(o.get("stats").get("prefill_tps").isNumber()).isTrue();
        assertThat(o.get("stats").get("decode_tps").isNumber()).isTrue();
    }

    @Test
    void aMissingModelIsOneClearLine() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        int rc = cl.execute("generate", "-m", "/nonexistent.gguf", "-p", "hi");
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("model not found: /nonexistent.gguf").doesNotContain("Exception");
    }
}

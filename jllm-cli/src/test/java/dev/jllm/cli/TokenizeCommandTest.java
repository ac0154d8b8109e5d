package dev.jllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jllm tokenize}: output formats and errors. cl100k ids of "Hello world" are the published [9906, 1917]. */
class TokenizeCommandTest {

    private record Run(int code, String out) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int code = cl.execute(args);
        return new Run(code, out.toString());
    }

    @Test
    void jsonOutput() {
        Run r = run("tokenize", "--tokenizer", "cl100k_base", "--text", "Hello world", "--json");
        assertThat(r.code()).isZero();
        assertThat(r.out().trim()).isEqualTo("{\"ids\":[9906,1917],\"tokens\":[\"Hello\",\"Ġworld\"]}");
    }

    @Test
    void tableOutputFromAFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("in.txt");
        Files.writeString(f, "Hello world<|endoftext|>");
        Run r = run("tokenize", "--tokenizer", "cl100k_base", "--file", f.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("3 tokens").contains("9906").contains("\" world\"").contains("100257").contains("(special)");
    }

    /** A GGUF holding only a hand-made gpt2 tokenizer: 256 byte tokens, three merges, one control token. */
    @Test
    void ggufModel(@TempDir Path dir) throws Exception {
        String[] tokens = new String[260];
        for (int b = 0; b < 256; b++) tokens[b] = String.valueOf(dev.jllm.tokenizer.ByteLevelBpeAlphabet.charOf(b));
        tokens[256] = "he";
        tokens[257] = "Ġt";
        tokens[258] = "Ġthe";
        tokens[259] = "<|endoftext|>";
        int[] types = new int[260];
        java.util.Arrays.fill(types, 1);
        types[259] = 3;
        Path gguf = dir.resolve("tiny.gguf");
        new dev.jllm.formats.gguf.GgufWriter()
                .put("general.architecture", dev.jllm.formats.gguf.GgufValue.string("gpt2"))
                .put("tokenizer.ggml.model", dev.jllm.formats.gguf.GgufValue.string("gpt2"))
                .put("tokenizer.ggml.pre", dev.jllm.formats.gguf.GgufValue.string("gpt-2"))
                .put("tokenizer.ggml.tokens", dev.jllm.formats.gguf.GgufValue.strings(tokens))
                .put("tokenizer.ggml.token_type", dev.jllm.formats.gguf.GgufValue.int32s(types))
                .put("tokenizer.ggml.merges", dev.jllm.formats.gguf.GgufValue.strings("h e", "Ġ t", "Ġt he"))
                .put("tokenizer.ggml.eos_token_id", dev.jllm.formats.gguf.GgufValue.uint32(259))
                .write(gguf);
        // "hello" → h e l l o → he l l o; " the" → Ġ t h e → Ġ t he → Ġt he → Ġthe (merge ranks 0, 1, 2)
        Run r = run("tokenize", "-m", gguf.toString(), "--text", "hello the<|endoftext|>", "--json");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out().trim()).isEqualTo(
                "{\"ids\":[256,108,108,111,258,259],\"tokens\":[\"he\",\"l\",\"l\",\"o\",\"Ġthe\",\"<|endoftext|>\"]}");
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) {
        Run r = run("tokenize", "--tokenizer", dir.resolve("nope.json").toString(), "--text", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("nope.json").contains("not found");
        r = run("tokenize", "-m", dir.toString(), "--text", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("tokenizer.json");
        r = run("tokenize", "--tokenizer", "cl100k_base", "--file", dir.resolve("none.txt").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("none.txt");
    }
}

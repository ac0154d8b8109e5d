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

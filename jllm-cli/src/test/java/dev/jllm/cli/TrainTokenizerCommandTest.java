package dev.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainTokenizerCommandTest {

    private record Result(int code, String err) {
    }

    private static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, err.toString());
    }

    @Test
    void trainsFromTextAndGzippedJsonl(@TempDir Path dir) throws IOException {
        Path txt = dir.resolve("a.txt");
        Files.writeString(txt, "the cat sat on the mat\nthe dog sat on the log\n".repeat(20));
        Path jsonl = dir.resolve("b.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(jsonl))) {
            out.write("{\"text\": \"then the theme of the thesis\"}\n{\"text\": \"other mothers gather\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        Path tok = dir.resolve("out/tokenizer.json");
        Result r = run("train-tokenizer", "--corpus", txt.toString(), "--corpus", jsonl.toString(),
                "--vocab-size", "270", "--special", "<|endoftext|>", "--special", "<pad>", "--out", tok.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.err).contains("merges 12/12").contains("vocab 270 (2 special, 256 byte symbols, 12 merges)");
        JsonNode json = new ObjectMapper().readTree(tok.toFile());
        assertThat(json.at("/model/type").asText()).isEqualTo("BPE");
        assertThat(json.at("/model/vocab").size()).isEqualTo(270);
        assertThat(json.at("/model/merges").size()).isEqualTo(12);
        assertThat(json.at("/added_tokens/1/content").asText()).isEqualTo("<pad>");
        // "he" and "th" both occur 88 times; the tie goes to the pair with the smaller ids (h < t).
        assertThat(json.at("/model/merges/0").asText()).isEqualTo("h e");
    }

    @Test
    void reportsStoppingBeforeTheTargetSize(@TempDir Path dir) throws IOException {
        Path txt = dir.resolve("a.txt");
        Files.writeString(txt, "abab abab\n");
        Result r = run("train-tokenizer", "--corpus", txt.toString(), "--vocab-size", "1000", "--no-progress",
                "--out", dir.resolve("t.json").toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.err).contains("stopped at").contains("at least 2 time(s)");
    }

    @Test
    void badArgumentsGiveClearErrors(@TempDir Path dir) {
        Result missing = run("train-tokenizer", "--corpus", dir.resolve("nope.txt").toString(), "--vocab-size", "300",
                "--out", dir.resolve("t.json").toString());
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.err).contains("nope.txt: no such file");

        Result small = run("train-tokenizer", "--corpus", dir.toString(), "--vocab-size", "10", "--out", "x.json");
        assertThat(small.code).isEqualTo(1);
    }

    @Test
    void badJsonlLineNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path jsonl = dir.resolve("c.jsonl");
        Files.writeString(jsonl, "{\"text\": \"fine\"}\n{\"body\": \"no text field\"}\n");
        Result r = run("train-tokenizer", "--corpus", jsonl.toString(), "--vocab-size", "300",
                "--out", dir.resolve("t.json").toString());
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("c.jsonl:2").contains("\"text\"");
    }
}

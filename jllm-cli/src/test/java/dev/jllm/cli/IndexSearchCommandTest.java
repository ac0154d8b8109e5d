package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** jllm index build + jllm search end to end on a small directory, incremental rebuild, errors. */
class IndexSearchCommandTest {
    @TempDir Path dir;

    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void buildSearchUpdate() throws Exception {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(docs.resolve("garden.md"), "# Gardening\n\nTomatoes need sun and regular watering.\n\nPrune roses in early spring.");
        Files.writeString(docs.resolve("space.txt"), "The rocket reached orbit after a second stage burn. Astronauts docked with the station.");
        Path idx = dir.resolve("idx");
        Run b = run("index", "build", docs.toString(), "--index", idx.toString());
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.err()).contains("2/2 files").contains("chunks");
        for (String mode : new String[]{"bm25", "dense", "hybrid"}) {
            Run s = run("search", "--index", idx.toString(), "spacecraft launch into orbit", "-k", "2", "--mode", mode, "--json");
            assertThat(s.code()).as(s.err()).isZero();
            JsonNode hits = new ObjectMapper().readTree(s.out()).get("hits");
            assertThat(hits.get(0).get("source").asText()).as(mode).isEqualTo("space.txt");
            assertThat(hits.get(0).get("rank").asInt()).isEqualTo(1);
        }
        Run plain = run("search", "--index", idx.toString(), "roses");
        assertThat(plain.out()).contains("garden.md");

        Files.delete(docs.resolve("space.txt"));
        assertThat(run("index", "build", docs.toString(), "--index", idx.toString()).code()).isZero();
        assertThat(run("search", "--index", idx.toString(), "rocket orbit", "--mode", "bm25").out()).doesNotContain("space.txt");
    }

    @Test
    void clearErrors() throws Exception {
        Run missing = run("search", "--index", dir.resolve("nope").toString(), "q");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope").contains("index");
        Path docs = Files.createDirectories(dir.resolve("d"));
        Files.write(docs.resolve("bad.txt"), new byte[]{(byte) 0xff, (byte) 0xfe, 0x41});
        Run bad = run("index", "build", docs.toString(), "--index", dir.resolve("i").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("bad.txt").contains("not UTF-8");
        Run mode = run("search", "--index", dir.resolve("i").toString(), "q", "--mode", "fuzzy");
        assertThat(mode.code()).isEqualTo(1);
        assertThat(mode.err()).contains("--mode");
    }
}

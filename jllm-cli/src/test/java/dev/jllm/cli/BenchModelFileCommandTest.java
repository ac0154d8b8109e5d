package dev.jllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** `bench model-file --tokenizer`: a tokenizer whose vocabulary does not fit the shape is refused before anything is written. */
class BenchModelFileCommandTest {
    static final Path LLAMA3 = Path.of("../jllm-tokenizer/src/test/resources/bpe/llama3-tokenizer.json.gz");
    @TempDir Path dir;

    private static String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), err.toString()};
    }

    @Test
    void aTokenizerOfAnotherVocabularySizeIsAClearErrorAndNoFile() {
        Path out = dir.resolve("m.gguf");
        String[] r = run("bench", "model-file", "--shape", "SMALL_110M", "--type", "Q8_0", "--tokenizer", LLAMA3.toString(), "--out", out.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("128256 tokens").contains("32000").contains("Llama 3's");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void aFileThatIsNotATokenizerIsAClearError() throws Exception {
        Path bad = Files.writeString(dir.resolve("tokenizer.json"), "{not json");
        String[] r = run("bench", "model-file", "--shape", "SMALL_110M", "--tokenizer", bad.toString(), "--out", dir.resolve("m.gguf").toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[1]).contains("is not a tokenizer.json");
    }
}

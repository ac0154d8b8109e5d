package dev.jllm.engine;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tensor.DType;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The warm-up runs the model on its own cache and leaves nothing behind: greedy output after it equals the PyTorch golden. */
class WarmupTest {
    static GgufFile file;
    static Llama model;
    static Tokenizer tok;
    static int[] prompt, greedy;

    @BeforeAll
    static void load() throws Exception {
        file = GgufFile.open(GeneratorTest.DIR.resolve("model.gguf"));
        model = Llama.fromGguf(file);
        tok = Tokenizers.fromGgufMetadata(file.metadata());
        List<String> golden = java.nio.file.Files.readAllLines(GeneratorTest.DIR.resolve("golden.txt"));
        prompt = java.util.Arrays.stream(golden.get(0).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        greedy = java.util.Arrays.stream(golden.get(1).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    @AfterAll
    static void close() { file.close(); }

    @Test
    void runsAllRoundsThenGenerationStillMatchesThePyTorchGreedyContinuation() throws Exception {
        for (DType kv : List.of(DType.F32, DType.Q8_0)) {
            Warmup w = Warmup.start(model, kv);
            for (int i = 0; i < 6000 && !w.finished(); i++) Thread.sleep(10);
            w.close();
            assertThat(w.failure()).isNull();
            int window = Math.min(model.contextLength(), Warmup.PROMPT + Warmup.DECODE);
            assertThat(w.tokensRun()).isEqualTo(Warmup.ROUNDS * window);
            Generator.Result r = new Generator(model, tok).generate(
                    new Generator.Request(prompt, 32, SamplingParams.greedy(), List.of(), new int[0], false), s -> {});
            assertThat(r.ids()).containsExactly(greedy);
        }
    }

    @Test
    void closeStopsItEarlyAndWaitsForIt() {
        Warmup w = Warmup.start(model, DType.F32);
        w.close();
        assertThat(w.finished()).isTrue();
        assertThat(w.tokensRun()).isLessThan(Warmup.ROUNDS * (Warmup.PROMPT + Warmup.DECODE));
        w.close(); // idempotent
    }

    @Test
    void aFailingModelDoesNotThrowFromTheWarmupAndIsReported() {
        // GPT-2-style caches refuse Q8_0; here the llama cache accepts it, so provoke a failure with an unknown KV type.
        Warmup w = Warmup.start(model, DType.Q4_K);
        w.close();
        assertThat(w.failure()).isInstanceOf(IllegalArgumentException.class);
    }
}

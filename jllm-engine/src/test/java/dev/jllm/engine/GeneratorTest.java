package dev.jllm.engine;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loop on the tiny reference Llama of jllm-models (goldens from tools/models/llama_reference.py). */
class GeneratorTest {
    static final Path DIR = Path.of("../jllm-models/src/test/resources/models/llama-tiny");
    static GgufFile file;
    static Llama model;
    static Tokenizer tok;
    static int[] prompt, greedy;

    @BeforeAll
    static void load() throws Exception {
        file = GgufFile.open(DIR.resolve("model.gguf"));
        model = Llama.fromGguf(file);
        tok = Tokenizers.fromGgufMetadata(file.metadata());
        try (BufferedReader in = Files.newBufferedReader(DIR.resolve("golden.txt"))) {
            prompt = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            greedy = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        }
    }

    @AfterAll
    static void close() { file.close(); }

    static Generator.Request req(int n, SamplingParams p, List<String> stops) {
        return new Generator.Request(prompt, n, p, stops, new int[0], false);
    }

    @Test
    void greedyGenerationEqualsThePyTorchContinuationAndStreamsAllText() {
        StringBuilder streamed = new StringBuilder();
        Generator.Result r = new Generator(model, tok).generate(req(32, SamplingParams.greedy(), List.of()), streamed::append);
        assertThat(r.ids()).containsExactly(greedy);
        assertThat(r.finishReason()).isEqualTo(Generator.FinishReason.LENGTH);
        assertThat(streamed.toString()).isEqualTo(r.text()).isEqualTo(tok.decode(greedy));
        assertThat(r.stats().generatedTokens()).isEqualTo(32);
    }

    @Test
    void aStopStringEndsGenerationAndIsNeverEmitted() {
        String full = tok.decode(greedy);
        String stop = full.substring(10, 14); // somewhere inside the greedy text
        List<String> pieces = new ArrayList<>();
        Generator.Result r = new Generator(model, tok).generate(req(32, SamplingParams.greedy(), List.of(stop)), pieces::add);
        assertThat(r.finishReason()).isEqualTo(Generator.FinishReason.STOP);
        assertThat(r.text()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(String.join("", pieces)).isEqualTo(r.text()).doesNotContain(stop);
    }

    @Test
    void stopIdsEndGenerationWithoutBeingIncluded() {
        Generator.Result r = new Generator(model, tok).generate(
                new Generator.Request(prompt, 32, SamplingParams.greedy(), List.of(), new int[] {greedy[3]}, false), s -> { });
        assertThat(r.ids()).containsExactly(Arrays.copyOf(greedy, 3));
        assertThat(r.finishReason()).isEqualTo(Generator.FinishReason.STOP);
    }

    @Test
    void sameSeedSameSample() {
        SamplingParams p = new SamplingParams(1.0f, 0, 1f, 0f, 1f, 0f, 0f, 99);
        int[] a = new Generator(model, tok).generate(req(16, p, List.of()), s -> { }).ids();
        int[] b = new Generator(model, tok).generate(req(16, p, List.of()), s -> { }).ids();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void overlongPromptsFailClearlyOrKeepTheTail() {
        int[] longPrompt = new int[model.contextLength()];
        Arrays.fill(longPrompt, prompt[0]);
        assertThatThrownBy(() -> new Generator(model, tok).generate(
                new Generator.Request(longPrompt, 8, SamplingParams.greedy(), List.of(), new int[0], false), s -> { }))
                .hasMessageContaining(String.valueOf(model.contextLength())).hasMessageContaining("--truncate");
        Generator.Result r = new Generator(model, tok).generate(
                new Generator.Request(longPrompt, 8, SamplingParams.greedy(), List.of(), new int[0], true), s -> { });
        assertThat(r.promptIds().length + 8).isEqualTo(model.contextLength());
    }

    @Test
    void holdBackKeepsPossibleStopPrefixes() {
        assertThat(Generator.holdBack("hello wor", List.of("world"))).isEqualTo(3);
        assertThat(Generator.holdBack("hello", List.of("xyz"))).isZero();
        assertThat(Generator.firstStop("a STOP b STOP", List.of("STOP"))).isEqualTo(2);
    }
}

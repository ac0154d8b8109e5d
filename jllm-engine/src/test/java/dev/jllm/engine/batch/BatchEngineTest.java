package dev.jllm.engine.batch;

import dev.jllm.engine.SamplingParams;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tensor.DType;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine on the tiny reference Llama (greedy goldens from PyTorch, tools/models/llama_reference.py). */
class BatchEngineTest {
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

    static EngineConfig small() {
        return EngineConfig.defaults().withMaxRunning(4).withContextLength(128).withKvBlocks(64).withBlockSize(4)
                .withKvType(DType.F32).withStepTokenBudget(16);
    }

    @Test
    void concurrentGreedyRequestsEachMatchThePyTorchContinuation() throws Exception {
        try (BatchEngine e = new BatchEngine(model, tok, small()).start()) {
            List<RequestHandle> hs = new ArrayList<>();
            List<StringBuilder> streamed = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                StringBuilder sb = new StringBuilder();
                streamed.add(sb);
                hs.add(e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), greedy.length), new TokenListener() {
                    @Override public void onToken(TokenEvent ev) { sb.append(ev.text()); }
                    @Override public void onComplete(Completion c) { sb.append(c.tailText()); }
                }));
            }
            for (int i = 0; i < hs.size(); i++) {
                Completion c = hs.get(i).completion().get(60, TimeUnit.SECONDS);
                assertThat(c.tokenIds()).containsExactly(greedy);
                assertThat(c.reason()).isEqualTo(FinishReason.LENGTH);
                assertThat(streamed.get(i).toString()).isEqualTo(c.text()).isEqualTo(tok.decode(greedy));
            }
        }
    }
}

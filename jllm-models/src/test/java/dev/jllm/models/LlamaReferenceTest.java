package dev.jllm.models;

import dev.jllm.formats.gguf.GgufFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A tiny random-weight Llama written as GGUF (llama.cpp names, permuted q/k) and its logits from
 * a PyTorch implementation of HF Llama semantics: tools/models/llama_reference.py.
 */
class LlamaReferenceTest {
    static final Path DIR = Path.of("src/test/resources/models/llama-tiny");
    static GgufFile file;
    static Llama model;
    static int[] tokens;
    static int[] greedy;
    static String promptText;
    static float[][] golden;

    @BeforeAll
    static void load() throws IOException {
        file = GgufFile.open(DIR.resolve("model.gguf"));
        model = Llama.fromGguf(file);
        try (BufferedReader in = Files.newBufferedReader(DIR.resolve("golden.txt"))) {
            tokens = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            greedy = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            promptText = new com.fasterxml.jackson.databind.ObjectMapper().readValue(in.readLine(), String.class);
            List<float[]> rows = new ArrayList<>();
            for (String line; (line = in.readLine()) != null; ) {
                String[] p = line.trim().split(" ");
                float[] r = new float[p.length];
                for (int i = 0; i < p.length; i++) r[i] = Float.parseFloat(p[i]);
                rows.add(r);
            }
            golden = rows.toArray(float[][]::new);
        }
    }

    @AfterAll
    static void close() {
        file.close();
    }

    /** max |diff| relative to the logit range of the row, as the tolerance. */
    static void assertRowClose(float[] got, int gotOff, float[] want, String what) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE, worst = 0;
        for (int i = 0; i < want.length; i++) {
            min = Math.min(min, want[i]);
            max = Math.max(max, want[i]);
            worst = Math.max(worst, Math.abs(got[gotOff + i] - want[i]));
        }
        assertThat(worst / (max - min)).as("%s: max |logit diff| / range", what).isLessThan(1e-3f);
    }

    @Test
    void prefillLogitsMatchPyTorchAtEveryPosition() {
        int v = model.vocabSize();
        float[] logits = new float[tokens.length * v];
        model.forward(tokens, 0, tokens.length, model.newState(32), logits, true);
        for (int t = 0; t < tokens.length; t++) assertRowClose(logits, t * v, golden[t], "position " + t);
    }

    @Test
    void incrementalDecodeEqualsTheFullForward() {
        KvCache kv = model.newState(32);
        float[] logits = new float[model.vocabSize()];
        for (int t = 0; t < tokens.length; t++) {
            model.forward(tokens, t, 1, kv, logits, false);
            assertRowClose(logits, 0, golden[t], "decode step " + t);
        }
        assertThat(kv.length()).isEqualTo(tokens.length);
    }

    @Test
    void chunkedPrefillThenDecodeEqualsTheFullForward() {
        KvCache kv = model.newState(32);
        float[] logits = new float[model.vocabSize()];
        model.forward(tokens, 0, 5, kv, logits, false);
        assertRowClose(logits, 0, golden[4], "after a 5-token chunk");
        model.forward(tokens, 5, tokens.length - 5, kv, logits, false);
        assertRowClose(logits, 0, golden[tokens.length - 1], "after the rest");
        kv.truncate(5); // rollback, then the same continuation again
        model.forward(tokens, 5, tokens.length - 5, kv, logits, false);
        assertRowClose(logits, 0, golden[tokens.length - 1], "after truncate and replay");
    }

    @Test
    void greedyContinuationOf32TokensMatchesPyTorch() {
        KvCache kv = model.newState(64);
        float[] logits = new float[model.vocabSize()];
        model.forward(tokens, 0, tokens.length, kv, logits, false);
        int[] got = new int[greedy.length];
        for (int i = 0; i < got.length; i++) {
            got[i] = dev.jllm.tensor.kernel.Reduce.argmax(logits, 0, logits.length);
            model.forward(got, i, 1, kv, logits, false);
        }
        assertThat(got).containsExactly(greedy);
    }

    @Test
    void theTokenizerInTheGgufEncodesThePromptAsHuggingFaceDid() {
        dev.jllm.tokenizer.Tokenizer tok = dev.jllm.tokenizer.Tokenizers.fromGgufMetadata(file.metadata());
        assertThat(tok.encode(promptText)).containsExactly(tokens);
    }

    @Test
    void badInputsSayWhatIsWrong() {
        float[] logits = new float[model.vocabSize()];
        assertThatThrownBy(() -> model.forward(new int[] {5000}, 0, 1, model.newState(4), logits, false))
                .hasMessageContaining("5000").hasMessageContaining("vocabulary");
        assertThatThrownBy(() -> model.forward(tokens, 0, 8, model.newState(4), logits, false))
                .hasMessageContaining("cache holds 4");
    }
}

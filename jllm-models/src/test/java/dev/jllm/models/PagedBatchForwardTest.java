package dev.jllm.models;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Llama#forwardBatch}, {@link Gpt2#forwardBatch} and {@link DeepSeek2#forwardBatch}: several sequences at different positions, with scattered block
 * tables, in one step give the logits each one gets alone through {@link Llama#forward} (which
 * the reference tests check against PyTorch). And the F16/Q8_0 KV caches against PyTorch's logits.
 */
class PagedBatchForwardTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen3-tiny", "qwen2-tiny", "mistral-swa", "llama-q8_0", "gpt2-tiny", "gpt2-q8_0",
            "llama-dynamic", "deepseek2-lite", "deepseek3-tiny", "deepseek3-q8_0"})
    void aBatchOfSequencesAtDifferentPositionsEqualsEachRunAlone(String variant) throws Exception {
        Path dir = Path.of("src/test/resources/models", variant); // llama-dynamic: HF only (past 16 tokens each sequence its own table)
        try (ModelLoader.Loaded l = ModelLoader.load(Files.exists(dir.resolve("model.gguf")) ? dir.resolve("model.gguf") : dir.resolve("hf"))) {
            PagedCausalLM m = (PagedCausalLM) l.model();
            int v = m.vocabSize(), bs = 4;
            SplittableRandom rnd = new SplittableRandom(7);
            int[] lens = {11, 3, 17};
            int[][] seqs = new int[lens.length][];
            for (int s = 0; s < lens.length; s++) seqs[s] = rnd.ints(lens[s] + 6, 0, v).toArray();
            // Reference: each sequence alone, prompt then 6 single-token decodes.
            float[][][] want = new float[lens.length][7][v];
            for (int s = 0; s < lens.length; s++) {
                ModelState kv = m.newState(64);
                m.forward(seqs[s], 0, lens[s], kv, want[s][0], false);
                for (int d = 0; d < 6; d++) m.forward(seqs[s], lens[s] + d, 1, kv, want[s][d + 1], false);
            }
            // Batched: blocks interleaved between sequences (table of s uses blocks s, s+3, s+6, ...).
            PagedKvCache cache = m.newPagedCache(3 * 8, bs, DType.F32);
            int[][] tables = new int[3][8];
            for (int s = 0; s < 3; s++) for (int k = 0; k < 8; k++) tables[s][k] = 3 * k + (2 - s);
            float[] logits = new float[3 * v];
            // Step 1: sequence 0's prompt in two chunks (no logits from the first), 1 and 2 whole.
            PagedBatch b = new PagedBatch().add(seqs[0], 0, 5, 0, tables[0], 0).add(seqs[1], 0, lens[1], 0, tables[1], 1)
                    .add(seqs[2], 0, lens[2], 0, tables[2], 1);
            m.forwardBatch(b, cache, logits);
            assertClose(logits, 0, want[1][0], variant + " seq 1 prompt");
            assertClose(logits, v, want[2][0], variant + " seq 2 prompt");
            // Step 2: seq 0's second chunk beside the decodes of 1 and 2.
            b.clear();
            b.add(seqs[0], 5, lens[0] - 5, 5, tables[0], 1).add(seqs[1], lens[1], 1, lens[1], tables[1], 1)
                    .add(seqs[2], lens[2], 1, lens[2], tables[2], 1);
            m.forwardBatch(b, cache, logits);
            assertClose(logits, 0, want[0][0], variant + " seq 0 prompt");
            assertClose(logits, v, want[1][1], variant + " seq 1 decode 0");
            assertClose(logits, 2 * v, want[2][1], variant + " seq 2 decode 0");
            // Decodes of all three, each at its own position.
            int[] done = {0, 1, 1};
            for (int step = 0; step < 5; step++) {
                b.clear();
                for (int s = 0; s < 3; s++) b.add(seqs[s], lens[s] + done[s], 1, lens[s] + done[s], tables[s], 1);
                m.forwardBatch(b, cache, logits);
                for (int s = 0; s < 3; s++) {
                    done[s]++;
                    assertClose(logits, s * v, want[s][done[s]], variant + " seq " + s + " decode " + (done[s] - 1));
                }
            }
        }
    }

    @Test
    void allLogitRowsAndBadBatchesAreReported() throws Exception {
        try (GgufFile g = GgufFile.open(Path.of("src/test/resources/models/llama-tiny/model.gguf"))) {
            Llama m = Llama.fromGguf(g);
            int v = m.vocabSize();
            int[] toks = {1, 2, 3, 4, 5};
            float[] want = new float[5 * v], got = new float[5 * v];
            m.forward(toks, 0, 5, m.newState(8), want, true);
            PagedKvCache cache = m.newPagedCache(2, 4, DType.F32);
            m.forwardBatch(new PagedBatch().add(toks, 0, 5, 0, new int[] {1, 0}, 5), cache, got);
            for (int t = 0; t < 5; t++) assertClose(got, t * v, Arrays.copyOfRange(want, t * v, (t + 1) * v), "row " + t);
            assertThatThrownBy(() -> m.forwardBatch(new PagedBatch().add(toks, 0, 5, 0, new int[] {0}, 1), cache, got))
                    .hasMessageContaining("blocks of 4 cannot hold 5 tokens");
            assertThatThrownBy(() -> m.forwardBatch(new PagedBatch().add(new int[] {v}, 0, 1, 0, new int[] {0}, 1), cache, got))
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> new PagedBatch().add(toks, 0, 2, 0, new int[] {0}, 3)).hasMessageContaining("logit rows");
        }
    }

    /** F16 and Q8_0 K/V against PyTorch's logits (a looser tolerance: the cache is rounded) and its greedy continuation. */
    @ParameterizedTest
    @ValueSource(strings = {"F16", "Q8_0"})
    void quantizedKvCachesStayCloseToPyTorch(String type) throws Exception {
        Path dir = Path.of("src/test/resources/models/llama-tiny");
        int[] tokens, greedy;
        List<float[]> golden = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(dir.resolve("golden.txt"))) {
            tokens = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            greedy = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            in.readLine();
            for (String line; (line = in.readLine()) != null; ) {
                String[] p = line.trim().split(" ");
                float[] r = new float[p.length];
                for (int i = 0; i < p.length; i++) r[i] = Float.parseFloat(p[i]);
                golden.add(r);
            }
        }
        DType kvType = DType.valueOf(type);
        float tol = kvType == DType.F16 ? 2e-3f : 2e-2f;
        try (GgufFile g = GgufFile.open(dir.resolve("model.gguf"))) {
            Llama m = Llama.fromGguf(g);
            int v = m.vocabSize();
            float[] all = new float[tokens.length * v];
            KvCache kv = m.newState(64, kvType);
            assertThat(kv.type()).isEqualTo(kvType);
            m.forward(tokens, 0, tokens.length, kv, all, true);
            float worst = 0;
            for (int t = 0; t < tokens.length; t++) worst = Math.max(worst, relErr(all, t * v, golden.get(t)));
            System.out.printf("KV %s: max |logit diff| / range vs PyTorch = %.2e%n", type, worst);
            assertThat(worst).isLessThan(tol);
            float[] logits = Arrays.copyOfRange(all, (tokens.length - 1) * v, tokens.length * v);
            int[] got = new int[greedy.length];
            for (int i = 0; i < got.length; i++) {
                got[i] = dev.jllm.tensor.kernel.Reduce.argmax(logits, 0, v);
                m.forward(got, i, 1, kv, logits, false);
            }
            assertThat(got).as("greedy continuation with a %s KV cache", type).containsExactly(greedy);
        }
    }

    @Test
    void kvTypeNamesAndQ8RowConstraint() {
        assertThat(KvCache.parseType("Q8_0")).isEqualTo(DType.Q8_0);
        assertThat(KvCache.parseType("f16")).isEqualTo(DType.F16);
        assertThatThrownBy(() -> KvCache.parseType("q4_0")).hasMessageContaining("f32, f16 or q8_0");
        assertThatThrownBy(() -> new KvCache(1, 8, 1, 16, DType.Q8_0)).hasMessageContaining("multiple of 32");
        assertThat(PagedKvCache.bytesPerToken(16, 8, 64, DType.Q8_0)).isEqualTo(2L * 16 * 16 * 34);
    }

    static float relErr(float[] got, int off, float[] want) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE, worst = 0;
        for (int i = 0; i < want.length; i++) {
            min = Math.min(min, want[i]);
            max = Math.max(max, want[i]);
            worst = Math.max(worst, Math.abs(got[off + i] - want[i]));
        }
        return worst / (max - min);
    }

    static void assertClose(float[] got, int off, float[] want, String what) {
        float worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[off + i] - want[i]));
        assertThat(worst).as("%s: max |logit diff|", what).isLessThan(1e-4f);
    }
}

package dev.jllm.models;

import dev.jllm.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model fixture written by a tools/models/*_reference.py script: {@code model.gguf},
 * {@code golden.txt} (line 1 the prompt ids, then PyTorch's logits for every prompt position)
 * and {@code greedy.txt} (PyTorch's 32-token greedy continuation), plus the checks every
 * family runs against it.
 */
record ReferenceFixture(Path dir, int[] prompt, float[][] logits, int[] greedy) {

    static ReferenceFixture load(String variant) throws IOException {
        Path dir = Path.of("src/test/resources/models", variant);
        List<String> lines = Files.readAllLines(dir.resolve("golden.txt"));
        int[] prompt = ints(lines.getFirst());
        float[][] rows = new float[lines.size() - 1][];
        for (int t = 0; t < rows.length; t++) {
            String[] p = lines.get(t + 1).trim().split(" ");
            rows[t] = new float[p.length];
            for (int i = 0; i < p.length; i++) rows[t][i] = Float.parseFloat(p[i]);
        }
        return new ReferenceFixture(dir, prompt, rows, ints(Files.readString(dir.resolve("greedy.txt"))));
    }

    private static int[] ints(String line) {
        return Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    Path gguf() { return dir.resolve("model.gguf"); }

    /** max |got - want| over a row, divided by the reference row's logit range. */
    static double relativeError(float[] got, int off, float[] want) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE, worst = 0;
        for (int i = 0; i < want.length; i++) {
            min = Math.min(min, want[i]);
            max = Math.max(max, want[i]);
            worst = Math.max(worst, Math.abs(got[off + i] - want[i]));
        }
        return worst / (max - min);
    }

    /**
     * Prefill of the whole prompt, token-by-token decode through the cache, and a two-chunk
     * prefill (7 tokens, then 13 over the cache): every logit row within {@code bound} x the
     * row's range of PyTorch's; prefill and decode rows also agree with each other. Returns the
     * worst relative error seen.
     */
    double checkLogits(CausalLM m, double bound) { return checkLogits(m, bound, DType.F32); }

    /** {@link #checkLogits(CausalLM, double)} with K/V cached as {@code kvType}. */
    double checkLogits(CausalLM m, double bound, DType kvType) {
        int v = m.vocabSize(), n = prompt.length;
        float[] all = new float[n * v], one = new float[v], first = new float[7 * v], rest = new float[(n - 7) * v];
        m.forward(prompt, 0, n, m.newState(n, kvType), all, true);
        ModelState s = m.newState(n, kvType);
        ModelState c = m.newState(n, kvType);
        m.forward(prompt, 0, 7, c, first, true);
        m.forward(prompt, 7, n - 7, c, rest, true);
        float[] chunkRows = new float[n * v];
        System.arraycopy(first, 0, chunkRows, 0, first.length);
        System.arraycopy(rest, 0, chunkRows, first.length, rest.length);
        double worst = 0;
        for (int t = 0; t < n; t++) {
            m.forward(prompt, t, 1, s, one, false);
            double prefill = relativeError(all, t * v, logits[t]);
            double decode = relativeError(one, 0, logits[t]);
            double chunked = relativeError(chunkRows, t * v, logits[t]);
            assertThat(prefill).as("%s prefill position %d", dir.getFileName(), t).isLessThan(bound);
            assertThat(decode).as("%s decode step %d", dir.getFileName(), t).isLessThan(bound);
            assertThat(chunked).as("%s two-chunk prefill position %d", dir.getFileName(), t).isLessThan(bound);
            assertThat(relativeError(one, 0, Arrays.copyOfRange(all, t * v, (t + 1) * v)))
                    .as("%s batch prefill vs decode at %d", dir.getFileName(), t).isLessThan(1e-4);
            worst = Math.max(worst, Math.max(prefill, Math.max(decode, chunked)));
        }
        return worst;
    }

    /** Prefill, then 32 greedy steps through the cache: PyTorch's continuation token for token. */
    void checkGreedy(CausalLM m) { checkGreedy(m, DType.F32); }

    /** {@link #checkGreedy(CausalLM)} with K/V cached as {@code kvType}. */
    void checkGreedy(CausalLM m, DType kvType) {
        ModelState s = m.newState(prompt.length + greedy.length, kvType);
        float[] l = new float[m.vocabSize()];
        m.forward(prompt, 0, prompt.length, s, l, false);
        int[] got = new int[greedy.length];
        for (int i = 0; i < got.length; i++) {
            got[i] = argmax(l);
            if (i + 1 < got.length) m.forward(got, i, 1, s, l, false);
        }
        assertThat(got).as("%s greedy continuation", dir.getFileName()).containsExactly(greedy);
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}

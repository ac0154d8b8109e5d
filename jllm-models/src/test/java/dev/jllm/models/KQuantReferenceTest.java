package dev.jllm.models;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Q4_K / Q6_K GGUF files (llama.cpp-like mixes, see tools/models/kquant_reference.py) against
 * PyTorch float64 run on the dequantized weights: the 72-token sequence (40-token prompt plus
 * the reference's 32-token greedy continuation) in one prefill, in two prefill chunks and token
 * by token, then the greedy continuation itself (up to near ties, see below).
 */
class KQuantReferenceTest {

    /**
     * max |logit diff| / logit range. jllm rounds activations to int8 blocks of 32 before each
     * quantized dot (as ggml does with its Q8 blocks), so it is not the dequantized weights'
     * float result; the Q8_0/Q4_0 fixtures measure ~8e-3 under the same rule. Prefills of 64
     * tokens or more widen the weights to floats and use the float GEMM, without that rounding.
     */
    static final double BOUND = 1.5e-2;

    private record Golden(int[] tokens, float[][] logits) {
        static Golden read(Path dir) throws Exception {
            List<String> lines = Files.readAllLines(dir.resolve("golden.txt"));
            int[] tokens = ints(lines.getFirst());
            float[][] logits = new float[tokens.length][];
            for (int t = 0; t < tokens.length; t++) {
                String[] p = lines.get(t + 1).trim().split(" ");
                logits[t] = new float[p.length];
                for (int i = 0; i < p.length; i++) logits[t][i] = Float.parseFloat(p[i]);
            }
            return new Golden(tokens, logits);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-q4_k", "llama-q6_k", "qwen2-q4_k"})
    void logitsMatchPyTorchOnTheDequantizedWeights(String variant) throws Exception {
        Path dir = Path.of("src/test/resources/models", variant);
        Golden g = Golden.read(dir);
        int n = g.tokens.length, prompt = n - greedy(dir).length;
        try (GgufFile f = GgufFile.open(dir.resolve("model.gguf"))) {
            assertThat(f.tensor("blk.0.attn_q.weight").dtype()).isEqualTo(variant.equals("llama-q6_k") ? DType.Q6_K : DType.Q4_K);
            assertThat(f.tensor("output.weight").dtype()).isEqualTo(DType.Q6_K);
            Llama m = Llama.fromGguf(f);
            int v = m.vocabSize();
            // all 72 tokens at once: the weights are widened to floats for the GEMM
            float[] all = new float[n * v];
            m.forward(g.tokens, 0, n, m.newState(n), all, true);
            double full = worst(all, g, 0, n);
            // two chunks under the GEMM threshold: the tiled integer dot kernels, over the cache
            // (each call writes its rows from the start of its output array)
            KvCache kv = m.newState(n);
            float[] first = new float[prompt * v], second = new float[(n - prompt) * v];
            m.forward(g.tokens, 0, prompt, kv, first, true);
            m.forward(g.tokens, prompt, n - prompt, kv, second, true);
            double chunked = Math.max(worst(first, g, 0, prompt), worstAt(second, 0, g, prompt, n));
            // token by token: the fused K-quant matvec kernels
            kv = m.newState(n);
            float[] one = new float[v];
            double decode = 0;
            for (int t = 0; t < n; t++) {
                m.forward(g.tokens, t, 1, kv, one, false);
                decode = Math.max(decode, worstAt(one, 0, g, t, t + 1));
            }
            System.out.printf("%s: max |logit diff| / range: prefill %.2e, chunked %.2e, decode %.2e%n",
                    variant, full, chunked, decode);
            // the GEMM path multiplies unrounded activations: the F32 fixtures' bound applies
            assertThat(full).as("%s prefill", variant).isLessThan(1e-3);
            assertThat(chunked).as("%s chunked prefill", variant).isLessThan(BOUND);
            assertThat(decode).as("%s decode", variant).isLessThan(BOUND);
        }
    }

    /**
     * Prefill of the 40-token prompt, then 32 greedy steps through the KV cache. The activations
     * are rounded to int8 (see {@link #BOUND}), so a logit moves by up to e ~ 6e-3 of its row's
     * range: where PyTorch's top two are closer than 2e (llama-q4_k, step 3: 6.7e-5 of the range;
     * llama-q6_k, step 11: 3.0e-4) jllm may pick the other one, and from there the two
     * free-running sequences part for good. So, first fed PyTorch's tokens (teacher forcing):
     * every pick is PyTorch's, or one PyTorch scores within 2e of its best (e: the worst row
     * error measured over these steps, itself under BOUND); then, free-running, jllm generates
     * PyTorch's tokens at least up to PyTorch's first step whose top-two gap is under 2e.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-q4_k", "llama-q6_k", "qwen2-q4_k"})
    void greedyContinuationFollowsPyTorchUpToNearTies(String variant) throws Exception {
        Path dir = Path.of("src/test/resources/models", variant);
        Golden g = Golden.read(dir);
        int[] want = greedy(dir);
        int prompt = g.tokens.length - want.length;
        assertThat(Arrays.copyOfRange(g.tokens, prompt, g.tokens.length)).containsExactly(want);
        try (ModelLoader.Loaded l = ModelLoader.load(dir.resolve("model.gguf"))) {
            CausalLM m = l.model();
            float[] logits = new float[m.vocabSize()];
            // teacher-forced
            ModelState s = m.newState(g.tokens.length);
            m.forward(g.tokens, 0, prompt, s, logits, false);
            int[] picks = new int[want.length];
            double e = 0;
            for (int i = 0; i < want.length; i++) {
                float[] ref = g.logits[prompt - 1 + i];
                picks[i] = argmax(logits);
                e = Math.max(e, rowError(logits, 0, ref));
                if (i + 1 < want.length) m.forward(want, i, 1, s, logits, false);
            }
            assertThat(e).as("%s greedy steps: worst row error", variant).isLessThan(BOUND);
            int exact = 0;
            for (int i = 0; i < want.length; i++) {
                float[] ref = g.logits[prompt - 1 + i];
                if (picks[i] == want[i]) exact++;
                else assertThat((double) (ref[want[i]] - ref[picks[i]]) / range(ref))
                        .as("%s step %d: jllm picks %d, PyTorch %d", variant, i, picks[i], want[i]).isLessThan(2 * e);
            }
            // free-running
            s = m.newState(g.tokens.length);
            m.forward(g.tokens, 0, prompt, s, logits, false);
            int[] got = new int[want.length];
            int same = 0;
            for (int i = 0; i < got.length; i++) {
                got[i] = argmax(logits);
                if (got[i] != want[i]) break;
                same++;
                if (i + 1 < got.length) m.forward(got, i, 1, s, logits, false);
            }
            int firstTie = 0;
            while (firstTie < want.length && topTwoGap(g.logits[prompt - 1 + firstTie]) >= 2 * e) firstTie++;
            System.out.printf("%s greedy: teacher-forced %d of %d picks equal (row error <= %.2e); free-running equal "
                    + "for %d of %d tokens, PyTorch's first top-two gap under 2x that at step %d%n",
                    variant, exact, want.length, e, same, want.length, firstTie);
            assertThat(same).as("%s free-running greedy: tokens equal to PyTorch's", variant).isGreaterThanOrEqualTo(firstTie);
        }
    }

    /** (best - second best) / range of a logit row. */
    private static double topTwoGap(float[] row) {
        float a = -Float.MAX_VALUE, b = -Float.MAX_VALUE;
        for (float x : row) {
            if (x > a) { b = a; a = x; } else if (x > b) b = x;
        }
        return (a - b) / range(row);
    }

    private static float range(float[] row) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float x : row) { min = Math.min(min, x); max = Math.max(max, x); }
        return max - min;
    }

    /** Worst row error of rows [from, to) of {@code y} (row t at t * vocab) against the golden rows. */
    private static double worst(float[] y, Golden g, int from, int to) {
        double w = 0;
        for (int t = from; t < to; t++) w = Math.max(w, rowError(y, t * g.logits[t].length, g.logits[t]));
        return w;
    }

    /** Worst row error of consecutive rows of {@code y} from {@code yOff} against golden rows [from, to). */
    private static double worstAt(float[] y, int yOff, Golden g, int from, int to) {
        double w = 0;
        for (int t = from; t < to; t++) w = Math.max(w, rowError(y, yOff + (t - from) * g.logits[t].length, g.logits[t]));
        return w;
    }

    private static double rowError(float[] y, int off, float[] want) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE, diff = 0;
        for (int i = 0; i < want.length; i++) {
            min = Math.min(min, want[i]);
            max = Math.max(max, want[i]);
            diff = Math.max(diff, Math.abs(y[off + i] - want[i]));
        }
        return diff / (max - min);
    }

    private static int[] greedy(Path dir) throws Exception {
        return ints(Files.readString(dir.resolve("greedy.txt")));
    }

    private static int[] ints(String line) {
        return Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}

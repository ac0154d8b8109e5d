package dev.jllm.models;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hugging Face's dynamic NTK RoPE ({@code "rope_type": "dynamic"}) against
 * tools/models/dynamic_rope_reference.py: past {@code max_position_embeddings} (16 here) each
 * forward pass uses the table for the length it brings the sequence to, and cached keys keep
 * theirs, so one prefill, token-by-token decode and a chunked prefill each have their own
 * PyTorch logits; all three and the greedy continuation must match.
 */
class LlamaDynamicRopeTest {
    static final double BOUND = 1e-3;

    @Test
    void prefillDecodeChunksAndGreedyFollowHuggingFace() throws Exception {
        ReferenceFixture f = ReferenceFixture.load("llama-dynamic");
        float[][] decodeGolden = rows(f.dir().resolve("golden-decode.txt")), chunkGolden = rows(f.dir().resolve("golden-chunked.txt"));
        int[] p = f.prompt();
        int n = p.length;
        try (ModelLoader.Loaded l = ModelLoader.load(f.dir().resolve("hf"))) {
            CausalLM m = l.model();
            int v = m.vocabSize();
            assertThat(m.contextLength()).as("max_position_embeddings x factor").isEqualTo(64);
            float[] all = new float[n * v];
            m.forward(p, 0, n, m.newState(n), all, true);
            ModelState s = m.newState(n), c = m.newState(n);
            float[] one = new float[v], first = new float[7 * v], rest = new float[(n - 7) * v];
            m.forward(p, 0, 7, c, first, true);
            m.forward(p, 7, n - 7, c, rest, true);
            double worst = 0;
            for (int t = 0; t < n; t++) {
                m.forward(p, t, 1, s, one, false);
                float[] chunk = t < 7 ? first : rest;
                int off = (t < 7 ? t : t - 7) * v;
                worst = Math.max(worst, check(all, t * v, f.logits()[t], "prefill " + t));
                worst = Math.max(worst, check(one, 0, decodeGolden[t], "decode " + t));
                worst = Math.max(worst, check(chunk, off, chunkGolden[t], "two-chunk prefill " + t));
            }
            System.out.printf("llama-dynamic: max |logit diff| / range = %.2e%n", worst);
            // The three goldens differ past position 16 by more than the bound (5.3e-3 and 1.4e-3 at
            // the last row; decode's 1.1e-2 at 15): one table for all modes could not pass.
            assertThat(ReferenceFixture.relativeError(decodeGolden[n - 1], 0, f.logits()[n - 1])).isGreaterThan(BOUND);
            assertThat(ReferenceFixture.relativeError(chunkGolden[n - 1], 0, f.logits()[n - 1])).isGreaterThan(BOUND);
            f.checkGreedy(m);
        }
    }

    private static double check(float[] got, int off, float[] want, String what) {
        double e = ReferenceFixture.relativeError(got, off, want);
        assertThat(e).as("llama-dynamic %s", what).isLessThan(BOUND);
        return e;
    }

    private static float[][] rows(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        float[][] r = new float[lines.size()][];
        for (int t = 0; t < r.length; t++) {
            String[] parts = lines.get(t).trim().split(" ");
            r[t] = new float[parts.length];
            for (int i = 0; i < parts.length; i++) r[t][i] = Float.parseFloat(parts[i]);
        }
        return r;
    }
}

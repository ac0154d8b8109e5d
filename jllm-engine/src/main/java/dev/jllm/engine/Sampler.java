package dev.jllm.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits. The order is Hugging Face's and vLLM's: penalties on the
 * raw logits, then temperature, then top-k, top-p and min-p filters, then a draw from what is
 * left. One sampler per sequence: it owns the sequence's RNG, seeded from the params.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom rng;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.rng = new SplittableRandom(params.seed());
    }

    public SamplingParams params() { return params; }

    /**
     * Chooses a token. {@code logits} is modified (penalties, filters).
     *
     * @param history   tokens the penalties look at (e.g. prompt + generated, or a recent window)
     * @param historyLen how many entries of {@code history} are valid
     */
    public int sample(float[] logits, int[] history, int historyLen) {
        applyPenalties(logits, history, historyLen, params);
        if (params.isGreedy()) return argmax(logits);
        float[] probs = filteredProbabilities(logits, params);
        return draw(probs, rng.nextDouble());
    }

    /**
     * Applies penalties to {@code logits} in place: repetition (once per distinct token),
     * then frequency and presence.
     */
    public static void applyPenalties(float[] logits, int[] history, int historyLen, SamplingParams p) {
        if (historyLen == 0 || (p.repetitionPenalty() == 1f && p.frequencyPenalty() == 0f && p.presencePenalty() == 0f)) return;
        int[] ids = Arrays.copyOf(history, historyLen);
        Arrays.sort(ids);
        for (int i = 0; i < ids.length; ) {
            int id = ids[i], count = 0;
            while (i < ids.length && ids[i] == id) { i++; count++; }
            if (id < 0 || id >= logits.length) throw new IllegalArgumentException("history token " + id + " outside the vocabulary of " + logits.length);
            float l = logits[id];
            if (p.repetitionPenalty() != 1f) l = l > 0 ? l / p.repetitionPenalty() : l * p.repetitionPenalty();
            l -= count * p.frequencyPenalty() + p.presencePenalty();
            logits[id] = l;
        }
    }

    /**
     * The distribution the sampler draws from: softmax of logits / temperature with the
     * top-k, top-p and min-p filters applied (filtered tokens get probability 0).
     * {@code logits} is overwritten with the result.
     */
    public static float[] filteredProbabilities(float[] logits, SamplingParams p) {
        int n = logits.length;
        float t = p.temperature() == 0f ? 1f : p.temperature();
        for (int i = 0; i < n; i++) logits[i] /= t;
        if (p.topK() > 0 && p.topK() < n) {
            float kth = kthLargest(logits, p.topK());
            for (int i = 0; i < n; i++) if (logits[i] < kth) logits[i] = Float.NEGATIVE_INFINITY;
        }
        softmaxInPlace(logits);
        if (p.topP() < 1f) {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            float[] pr = logits;
            // Ascending, so the removed tail is a prefix (as HF: drop while cumulative <= 1 - p).
            Arrays.sort(order, (a, b) -> Float.compare(pr[a], pr[b]));
            double cum = 0;
            for (int r = 0; r < n - 1; r++) { // the most likely token always stays
                cum += pr[order[r]];
                if (cum <= 1 - p.topP()) pr[order[r]] = 0f;
                else break;
            }
            normalize(pr);
        }
        if (p.minP() > 0f) {
            float max = 0;
            for (float v : logits) max = Math.max(max, v);
            float cut = p.minP() * max;
            for (int i = 0; i < n; i++) if (logits[i] < cut) logits[i] = 0f;
            normalize(logits);
        }
        return logits;
    }

    /** Inverse-CDF draw with {@code u} in [0, 1). */
    static int draw(float[] probs, double u) {
        double cum = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] <= 0) continue;
            cum += probs[i];
            last = i;
            if (u < cum) return i;
        }
        if (last < 0) throw new IllegalStateException("no token left to sample (all probabilities are 0 or NaN)");
        return last; // rounding left u just above the total
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        if (Float.isNaN(logits[best])) throw new IllegalStateException("logits are NaN");
        return best;
    }

    private static float kthLargest(float[] a, int k) {
        float[] c = a.clone();
        Arrays.sort(c);
        return c[c.length - k];
    }

    private static void softmaxInPlace(float[] a) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : a) max = Math.max(max, v);
        if (Float.isNaN(max) || max == Float.NEGATIVE_INFINITY) throw new IllegalStateException("logits are all -inf or NaN");
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            float e = (float) Math.exp(a[i] - max);
            a[i] = e;
            sum += e;
        }
        float inv = (float) (1 / sum);
        for (int i = 0; i < a.length; i++) a[i] *= inv;
    }

    private static void normalize(float[] a) {
        double sum = 0;
        for (float v : a) sum += v;
        float inv = (float) (1 / sum);
        for (int i = 0; i < a.length; i++) a[i] *= inv;
    }
}

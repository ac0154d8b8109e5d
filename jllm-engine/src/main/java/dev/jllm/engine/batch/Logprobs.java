package dev.jllm.engine.batch;

import java.util.ArrayList;
import java.util.List;

/** Log-probabilities of raw logits (log-softmax), and the k most likely tokens. */
final class Logprobs {
    private Logprobs() {}

    static double logSumExp(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double sum = 0;
        for (float v : x) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }

    /** The {@code k} largest logits as log-probabilities, most likely first (ties: lower id first). */
    static List<TopLogprob> top(float[] x, double lse, int k) {
        if (k == 0) return List.of();
        k = Math.min(k, x.length);
        int[] ids = new int[k];
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (n == k && x[i] <= x[ids[k - 1]]) continue;
            int at = n < k ? n++ : k - 1;
            while (at > 0 && x[ids[at - 1]] < x[i]) { ids[at] = ids[at - 1]; at--; }
            ids[at] = i;
        }
        List<TopLogprob> out = new ArrayList<>(k);
        for (int j = 0; j < n; j++) out.add(new TopLogprob(ids[j], (float) (x[ids[j]] - lse)));
        return out;
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;

/**
 * Causal attention over a multi-head latent attention (MLA, DeepSeek-V2) cache with the
 * up-projections absorbed: every key/value is one shared latent row {@code c_j} (rank floats)
 * plus one shared rotary key {@code r_j} (ropeDim floats), and head h's query arrives as its
 * latent-space query {@code qLat[i,h]} (the key up-projection already applied) and its rotary
 * part {@code qPe[i,h]}:
 *
 * <pre>
 *   score(i,h,j) = scale * (qLat[i,h] . c_j + qPe[i,h] . r_j)      for j &lt;= qPos0 + i
 *   out[i,h]     = sum_j softmax_j(score) * c_j                      (rank floats; V's up-projection follows)
 * </pre>
 *
 * Layouts are dense and token-major: {@code qLat} [nQ, heads, rank], {@code qPe} [nQ, heads,
 * ropeDim], {@code latent} [nKv, rank], {@code ropeKeys} [nKv, ropeDim], {@code out} [nQ, heads,
 * rank]. Work items are (query, block of heads), so each latent row is read once per block.
 */
public final class LatentAttention {
    private LatentAttention() {}

    /** Heads that share one pass over the cache. */
    private static final int HEAD_BLOCK = 8;

    public static void attend(float[] qLat, float[] qPe, int nQ, int qPos0, float[] latent, float[] ropeKeys, int nKv,
                              int heads, int rank, int ropeDim, float scale, float[] out) {
        KernelArgs.positive("heads", heads);
        KernelArgs.positive("rank", rank);
        if (ropeDim < 0 || nQ < 0 || nKv < 0 || qPos0 < 0) {
            throw new IllegalArgumentException("bad latent attention geometry: ropeDim=" + ropeDim + " nQ=" + nQ
                    + " nKv=" + nKv + " qPos0=" + qPos0);
        }
        KernelArgs.slice("qLat", qLat, 0, (long) nQ * heads * rank);
        KernelArgs.slice("qPe", qPe, 0, (long) nQ * heads * ropeDim);
        KernelArgs.slice("latent", latent, 0, (long) nKv * rank);
        KernelArgs.slice("ropeKeys", ropeKeys, 0, (long) nKv * ropeDim);
        KernelArgs.slice("out", out, 0, (long) nQ * heads * rank);
        // Smaller head blocks when there are few queries (decode), so every thread gets work.
        int perBlock = Math.max(1, Math.min(HEAD_BLOCK, nQ * heads / (2 * Parallel.threads())));
        int blocks = (heads + perBlock - 1) / perBlock;
        Parallel.forRange(nQ * blocks, 1, (start, end) -> {
            float[] scores = new float[perBlock * Math.max(1, nKv)];
            for (int item = start; item < end; item++) {
                int i = item / blocks, h0 = (item % blocks) * perBlock, h1 = Math.min(heads, h0 + perBlock);
                int visible = Math.min(nKv, qPos0 + i + 1);
                for (int j = 0; j < visible; j++) {
                    for (int h = h0; h < h1; h++) {
                        int qh = i * heads + h;
                        float s = Attention.dot(qLat, qh * rank, latent, j * rank, rank);
                        if (ropeDim > 0) s += Attention.dot(qPe, qh * ropeDim, ropeKeys, j * ropeDim, ropeDim);
                        scores[(h - h0) * nKv + j] = scale * s;
                    }
                }
                for (int h = h0; h < h1; h++) {
                    int row = (h - h0) * nKv, o = (i * heads + h) * rank;
                    java.util.Arrays.fill(out, o, o + rank, 0f);
                    if (visible == 0) continue;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) max = Math.max(max, scores[row + j]);
                    float sum = 0;
                    for (int j = 0; j < visible; j++) {
                        float p = (float) Math.exp(scores[row + j] - max);
                        scores[row + j] = p;
                        sum += p;
                    }
                    float inv = 1f / sum;
                    for (int j = 0; j < visible; j++) Attention.axpy(scores[row + j] * inv, latent, j * rank, out, o, rank);
                }
            }
        });
    }
}

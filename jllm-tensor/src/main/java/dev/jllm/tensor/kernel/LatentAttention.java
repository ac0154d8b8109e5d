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

    /** Cache rows read per pass of {@link #attendPaged} (the online softmax rescales once per tile). */
    private static final int TILE = 64;

    /**
     * {@link #attend} for a batch of sequences over a paged cache: each cache row holds a token's
     * latent and rotary key side by side ({@code [rank | ropeDim]}, one KV "head" of
     * {@code rank + ropeDim} values, F32/F16/Q8_0), found through the sequence's block table.
     * Sequence s's {@code rows[s]} queries are rows {@code rowStart[s]..} of {@code qLat},
     * {@code qPe} and {@code out} (layouts as in {@link #attend}) at positions {@code pos0[s]..};
     * each sees the cache up to its own position. Tiles of {@link #TILE} rows with an online
     * softmax, so no score matrix grows with the context; a tile is read once for a block of heads.
     */
    public static void attendPaged(float[] qLat, float[] qPe, float[] out, int seqs, int[] rowStart, int[] rows, int[] pos0,
                                   int[][] tables, KvBlockStore cache, int heads, int rank, int ropeDim, float scale) {
        KernelArgs.positive("heads", heads);
        KernelArgs.positive("rank", rank);
        int width = rank + ropeDim, bs = cache.blockSize();
        if (ropeDim < 0 || cache.kvHeads() != 1 || cache.headDim() != width) {
            throw new IllegalArgumentException("a latent cache row must be one head of rank + ropeDim = " + width + " values, got "
                    + cache.kvHeads() + " x " + cache.headDim());
        }
        int[] itemStart = new int[seqs + 1];
        for (int s = 0; s < seqs; s++) {
            PagedAttention.checkTable(s, pos0, rows, tables, bs);
            long end = rowStart[s] + rows[s];
            if (end * heads * rank > Math.min(qLat.length, out.length) || end * heads * ropeDim > qPe.length) {
                throw new IllegalArgumentException("sequence " + s + ": query rows [" + rowStart[s] + ", " + end + ") exceed the query arrays");
            }
            itemStart[s + 1] = itemStart[s] + rows[s];
        }
        int queries = itemStart[seqs];
        int perBlock = Math.max(1, Math.min(HEAD_BLOCK, queries * heads / (2 * Parallel.threads())));
        int headBlocks = (heads + perBlock - 1) / perBlock;
        Parallel.forRange(queries * headBlocks, 1, (start, end) -> {
            float[] tile = new float[TILE * width], scores = new float[perBlock * TILE];
            float[] max = new float[perBlock], sum = new float[perBlock];
            int s = 0;
            for (int item = start; item < end; item++) {
                int query = item / headBlocks, h0 = (item % headBlocks) * perBlock, h1 = Math.min(heads, h0 + perBlock);
                while (query >= itemStart[s + 1]) s++;
                int i = query - itemStart[s], qRow = rowStart[s] + i, visible = pos0[s] + i + 1;
                java.util.Arrays.fill(out, (qRow * heads + h0) * rank, (qRow * heads + h1) * rank, 0f);
                java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
                java.util.Arrays.fill(sum, 0f);
                for (int t0 = 0; t0 < visible; t0 += TILE) {
                    int n = Math.min(visible, t0 + TILE) - t0;
                    for (int j = 0; j < n; j++) {
                        int p = t0 + j;
                        cache.readRow(tables[s][p / bs] * bs + p % bs, 0, tile, j * width);
                    }
                    for (int h = h0; h < h1; h++) {
                        int qh = qRow * heads + h, sc = (h - h0) * TILE, o = qh * rank;
                        float tileMax = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < n; j++) {
                            float v = Attention.dot(qLat, qh * rank, tile, j * width, rank);
                            if (ropeDim > 0) v += Attention.dot(qPe, qh * ropeDim, tile, j * width + rank, ropeDim);
                            scores[sc + j] = scale * v;
                            tileMax = Math.max(tileMax, scores[sc + j]);
                        }
                        float m = max[h - h0], newMax = Math.max(m, tileMax);
                        float correction = m == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(m - newMax);
                        if (correction != 1f) for (int d = 0; d < rank; d++) out[o + d] *= correction;
                        float sm = sum[h - h0] * correction;
                        for (int j = 0; j < n; j++) {
                            float pj = (float) Math.exp(scores[sc + j] - newMax);
                            sm += pj;
                            Attention.axpy(pj, tile, j * width, out, o, rank);
                        }
                        sum[h - h0] = sm;
                        max[h - h0] = newMax;
                    }
                }
                for (int h = h0; h < h1; h++) {
                    float inv = 1f / sum[h - h0];
                    int o = (qRow * heads + h) * rank;
                    for (int d = 0; d < rank; d++) out[o + d] *= inv;
                }
            }
        });
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;

import java.util.Arrays;

/**
 * Causal attention whose keys and values live in a {@link KvBlockStore} and are found through
 * per-sequence block tables (PagedAttention, Kwon et al. 2023): key position {@code p} of a
 * sequence is row {@code p % blockSize} of block {@code table[p / blockSize]}. Several sequences
 * at different positions run in one call, so a decode step of a whole batch is one parallel
 * region over every (sequence, query, KV head) item.
 *
 * <p>Per item the math is that of {@link Attention}: tiles of keys with an online softmax, the
 * {@code heads / kvHeads} query heads sharing a KV head processed together so each K/V row is
 * decoded (F16, Q8_0) once per group.
 */
public final class PagedAttention {
    private PagedAttention() {}

    static final int TILE = 64;

    /**
     * One sequence: {@code nQ} queries at positions {@code qPos0..}, attending keys
     * {@code [0, qPos0 + nQ)} (their K/V already written through {@code table}).
     *
     * @param q   [nQ, heads, headDim] from {@code qOff}; {@code out} likewise from {@code outOff}
     * @param window sliding window in tokens (Mistral), 0 for none
     */
    public static void attend(float[] q, int qOff, int nQ, int qPos0, KvBlockStore k, KvBlockStore v, int[] table,
                              int heads, float scale, int window, float[] out, int outOff) {
        int rowFloats = heads * k.headDim();
        if (qOff % rowFloats != 0 || outOff % rowFloats != 0) {
            throw new IllegalArgumentException("q/out offsets must be whole rows of " + rowFloats + " floats");
        }
        // Shift the arrays' row origin: one sequence is a batch of one.
        if (qOff == 0 && outOff == 0) {
            attendBatch(q, out, 1, new int[] {0}, new int[] {nQ}, new int[] {qPos0}, new int[][] {table}, k, v, heads, scale, window);
        } else {
            float[] qs = Arrays.copyOfRange(q, qOff, qOff + nQ * rowFloats), os = new float[nQ * rowFloats];
            attendBatch(qs, os, 1, new int[] {0}, new int[] {nQ}, new int[] {qPos0}, new int[][] {table}, k, v, heads, scale, window);
            System.arraycopy(os, 0, out, outOff, os.length);
        }
    }

    /**
     * Several sequences. Sequence {@code s} owns query rows {@code [rowStart[s], rowStart[s] + rows[s])}
     * of {@code q} ([totalRows, heads, headDim]) and the same rows of {@code out}; its queries sit
     * at positions {@code pos0[s]..} and see keys {@code [0, pos0[s] + i]} through {@code tables[s]}.
     */
    public static void attendBatch(float[] q, float[] out, int seqs, int[] rowStart, int[] rows, int[] pos0, int[][] tables,
                                   KvBlockStore k, KvBlockStore v, int heads, float scale, int window) {
        int kvHeads = k.kvHeads(), headDim = k.headDim(), bs = k.blockSize();
        if (v.kvHeads() != kvHeads || v.headDim() != headDim || v.blockSize() != bs) {
            throw new IllegalArgumentException("K and V stores disagree in geometry");
        }
        if (heads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a positive multiple of kvHeads (" + kvHeads + ")");
        }
        int rowFloats = heads * headDim;
        int[] itemStart = new int[seqs + 1];
        for (int s = 0; s < seqs; s++) {
            checkTable(s, pos0, rows, tables, bs);
            if ((long) (rowStart[s] + rows[s]) * rowFloats > Math.min(q.length, out.length)) {
                throw new IllegalArgumentException("sequence " + s + ": query rows [" + rowStart[s] + ", " + (rowStart[s] + rows[s])
                        + ") exceed q/out of " + q.length / rowFloats + " rows");
            }
            itemStart[s + 1] = itemStart[s] + rows[s] * kvHeads;
        }
        int group = heads / kvHeads;
        Parallel.forRange(itemStart[seqs], (start, end) -> {
            float[] acc = new float[group * headDim], max = new float[group], sum = new float[group];
            float[] scores = new float[group * TILE], kt = new float[TILE * headDim], vt = new float[TILE * headDim];
            int s = 0;
            for (int item = start; item < end; item++) {
                while (item >= itemStart[s + 1]) s++;
                int local = item - itemStart[s], i = local / kvHeads, g = local % kvHeads;
                int pos = pos0[s] + i;
                int lo = window > 0 ? Math.max(0, pos - window + 1) : 0, hi = pos + 1;
                int qBase = ((rowStart[s] + i) * heads + g * group) * headDim;
                attendGroup(q, qBase, k, v, tables[s], lo, hi, g, headDim, group, scale, acc, max, sum, scores, kt, vt);
                for (int h = 0; h < group; h++) {
                    float inv = sum[h] == 0 ? 0 : 1f / sum[h];
                    int o = qBase + h * headDim;
                    for (int d = 0; d < headDim; d++) out[o + d] = acc[h * headDim + d] * inv;
                }
            }
        });
    }

    /** Sequence {@code s}'s queries sit at a valid position and its block table covers them. */
    static void checkTable(int s, int[] pos0, int[] rows, int[][] tables, int blockSize) {
        int needBlocks = (pos0[s] + rows[s] + blockSize - 1) / blockSize;
        if (pos0[s] < 0 || rows[s] < 0 || tables[s].length < needBlocks) {
            throw new IllegalArgumentException("sequence " + s + ": " + rows[s] + " queries at position " + pos0[s]
                    + " need " + needBlocks + " blocks, its table has " + tables[s].length);
        }
    }

    private static void attendGroup(float[] q, int qBase, KvBlockStore k, KvBlockStore v, int[] table, int lo, int hi,
                                    int g, int headDim, int group, float scale, float[] acc, float[] max, float[] sum,
                                    float[] scores, float[] kt, float[] vt) {
        Arrays.fill(acc, 0, group * headDim, 0f);
        Arrays.fill(max, 0, group, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, group, 0f);
        int bs = k.blockSize();
        for (int t0 = lo; t0 < hi; t0 += TILE) {
            int n = Math.min(hi, t0 + TILE) - t0;
            for (int j = 0; j < n; j++) {
                int p = t0 + j, r = table[p / bs] * bs + p % bs;
                k.readRow(r, g, kt, j * headDim);
                v.readRow(r, g, vt, j * headDim);
            }
            for (int h = 0; h < group; h++) {
                float tileMax = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    float sc = scale * Attention.dot(q, qBase + h * headDim, kt, j * headDim, headDim);
                    scores[h * TILE + j] = sc;
                    tileMax = Math.max(tileMax, sc);
                }
                float newMax = Math.max(max[h], tileMax);
                float correction = max[h] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(max[h] - newMax);
                if (correction != 1f) for (int d = 0; d < headDim; d++) acc[h * headDim + d] *= correction;
                float sm = sum[h] * correction;
                for (int j = 0; j < n; j++) {
                    float p = (float) Math.exp(scores[h * TILE + j] - newMax);
                    sm += p;
                    Attention.axpy(p, vt, j * headDim, acc, h * headDim, headDim);
                }
                sum[h] = sm;
                max[h] = newMax;
            }
        }
    }
}

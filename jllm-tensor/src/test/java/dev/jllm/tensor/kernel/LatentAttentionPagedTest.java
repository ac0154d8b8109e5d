package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link LatentAttention#attendPaged}: three sequences at different positions with scattered
 * block tables, past one 64-row tile, against a scalar double-precision softmax over the rows the
 * store gives back (so F16/Q8_0 are judged on their own rounded values).
 */
class LatentAttentionPagedTest {
    static final int HEADS = 5, RANK = 40, ROPE = 24, BS = 8;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "Q8_0"})
    void matchesAScalarReferenceOverTheStoredRows(DType type) {
        int width = RANK + ROPE;
        SplittableRandom rnd = new SplittableRandom(3);
        int[] pos0 = {0, 70, 13}, rows = {5, 1, 9};
        int seqs = 3, blocksPer = 12, n = 15;
        KvBlockStore store = new KvBlockStore(type, seqs * blocksPer, BS, 1, width);
        int[][] tables = new int[seqs][blocksPer];
        for (int s = 0; s < seqs; s++) for (int k = 0; k < blocksPer; k++) tables[s][k] = k * seqs + (s + k) % seqs;
        float[] row = new float[width];
        for (int s = 0; s < seqs; s++) {
            for (int p = 0; p < pos0[s] + rows[s]; p++) {
                for (int d = 0; d < width; d++) row[d] = (float) rnd.nextGaussian();
                store.write(tables[s][p / BS], p % BS, row, 0);
            }
        }
        int[] rowStart = {0, 5, 6};
        float[] qLat = new float[n * HEADS * RANK], qPe = new float[n * HEADS * ROPE], out = new float[n * HEADS * RANK];
        for (int i = 0; i < qLat.length; i++) qLat[i] = (float) rnd.nextGaussian() * 0.3f;
        for (int i = 0; i < qPe.length; i++) qPe[i] = (float) rnd.nextGaussian() * 0.3f;
        float scale = 0.125f;
        LatentAttention.attendPaged(qLat, qPe, out, seqs, rowStart, rows, pos0, tables, store, HEADS, RANK, ROPE, scale);
        double worst = 0;
        float[] kv = new float[width];
        for (int s = 0; s < seqs; s++) {
            for (int i = 0; i < rows[s]; i++) {
                int visible = pos0[s] + i + 1, q = rowStart[s] + i;
                for (int h = 0; h < HEADS; h++) {
                    int qh = q * HEADS + h;
                    double[] sc = new double[visible];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        store.read(tables[s][j / BS], j % BS, 0, kv, 0);
                        double dot = 0;
                        for (int d = 0; d < RANK; d++) dot += (double) qLat[qh * RANK + d] * kv[d];
                        for (int d = 0; d < ROPE; d++) dot += (double) qPe[qh * ROPE + d] * kv[RANK + d];
                        sc[j] = scale * dot;
                        max = Math.max(max, sc[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) sum += sc[j] = Math.exp(sc[j] - max);
                    double[] want = new double[RANK];
                    for (int j = 0; j < visible; j++) {
                        store.read(tables[s][j / BS], j % BS, 0, kv, 0);
                        for (int d = 0; d < RANK; d++) want[d] += sc[j] / sum * kv[d];
                    }
                    for (int d = 0; d < RANK; d++) worst = Math.max(worst, Math.abs(out[qh * RANK + d] - want[d]));
                }
            }
        }
        assertThat(worst).as("%s: max |out - reference|", type).isLessThan(2e-5);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32"})
    void aStoreOfTheWrongWidthOrAShortTableIsRefused(DType type) {
        KvBlockStore store = new KvBlockStore(type, 4, BS, 1, RANK);
        float[] q = new float[HEADS * RANK], pe = new float[HEADS * ROPE];
        assertThatThrownBy(() -> LatentAttention.attendPaged(q, pe, new float[q.length], 1, new int[] {0}, new int[] {1},
                new int[] {0}, new int[][] {{0}}, store, HEADS, RANK, ROPE, 1f)).hasMessageContaining("rank + ropeDim = 64");
        KvBlockStore ok = new KvBlockStore(type, 4, BS, 1, RANK + ROPE);
        assertThatThrownBy(() -> LatentAttention.attendPaged(q, pe, new float[q.length], 1, new int[] {0}, new int[] {1},
                new int[] {8}, new int[][] {{0}}, ok, HEADS, RANK, ROPE, 1f)).hasMessageContaining("need 2 blocks");
    }
}

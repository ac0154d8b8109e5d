package dev.jllm.train.data;

import dev.jllm.nn.TrainableLM;

import java.util.ArrayList;
import java.util.List;

/**
 * The validation split, packed once in file order like the training stream (EOS separators,
 * windows of {@code seqLen + 1} advancing by {@code seqLen}) and capped at {@code maxTokens}
 * predicted tokens. A last short window is padded: EOS inputs, {@link TrainableLM#IGNORE}
 * targets, so every validation token is scored exactly once.
 */
public final class ValidationBatches {
    private ValidationBatches() {}

    public static List<Batch> of(TokenDataset data, int eos, int rows, int seqLen, long maxTokens) {
        int[] order = new int[data.documents()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        DocumentStream stream = new DocumentStream(data, order, eos);
        long usable = Math.min(stream.length() - 1, Math.max(1, maxTokens)); // predicted positions
        List<int[][]> windows = new ArrayList<>();
        for (long start = 0; start < usable; start += seqLen) {
            int predict = (int) Math.min(seqLen, usable - start);
            int[] in = new int[seqLen], tg = new int[seqLen], dc = new int[seqLen];
            int[] w = new int[predict + 1], wd = new int[predict + 1];
            stream.read(start, predict + 1, w, wd, 0);
            java.util.Arrays.fill(in, eos);
            java.util.Arrays.fill(tg, TrainableLM.IGNORE);
            java.util.Arrays.fill(dc, -1);
            System.arraycopy(w, 0, in, 0, predict);
            System.arraycopy(w, 1, tg, 0, predict);
            System.arraycopy(wd, 0, dc, 0, predict);
            windows.add(new int[][]{in, tg, dc});
        }
        List<Batch> out = new ArrayList<>();
        for (int b = 0; b < windows.size(); b += rows) {
            int r = Math.min(rows, windows.size() - b);
            int[] in = new int[r * seqLen], tg = new int[r * seqLen], dc = new int[r * seqLen];
            for (int i = 0; i < r; i++) {
                int[][] w = windows.get(b + i);
                System.arraycopy(w[0], 0, in, i * seqLen, seqLen);
                System.arraycopy(w[1], 0, tg, i * seqLen, seqLen);
                System.arraycopy(w[2], 0, dc, i * seqLen, seqLen);
            }
            out.add(new Batch(in, tg, dc, r, seqLen));
        }
        return out;
    }
}

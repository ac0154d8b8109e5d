package dev.jllm.nn;

import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;

/**
 * RoPE with a frequency table (plain or scaled: linear, NTK, dynamic NTK, llama3, YaRN) and a pairing:
 * {@link Rope.Pairing#HALF} for HF checkpoints (rotate_half) and NeoX-style GGUF archs,
 * {@link Rope.Pairing#ADJACENT} for llama.cpp's permuted llama q/k rows. Only the first
 * {@code 2 * table length} dimensions of each head rotate (partial rotary).
 */
public final class RotaryEmbedding {
    private final RopeFrequencies freqs;
    private final Rope.Pairing pairing;

    public RotaryEmbedding(RopeFrequencies freqs, Rope.Pairing pairing) {
        this.freqs = freqs;
        this.pairing = pairing;
    }

    public RopeFrequencies frequencies() { return freqs; }
    public Rope.Pairing pairing() { return pairing; }

    /**
     * Rotates {@code n} rows of {@code heads x headDim} floats in place, row i at
     * {@code positions[i]}, all rows of one sequence that this pass brings to
     * {@code max(positions) + 1} tokens (what a dynamic table depends on).
     */
    public void forward(float[] x, int n, int[] positions, int heads, int headDim) {
        RopeFrequencies table = freqs;
        if (freqs.isDynamic()) {
            int max = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, positions[i]);
            table = freqs.forLength(max + 1);
        }
        Rope.applyRows(x, 0, heads * headDim, n, positions, 0, heads, headDim, table, pairing);
    }

    /**
     * As {@link #forward(float[], int, int[], int, int)} for rows of several sequences: row i's
     * sequence reaches {@code lengths[i]} tokens in this pass (rows of a sequence are contiguous).
     */
    public void forward(float[] x, int n, int[] positions, int[] lengths, int heads, int headDim) {
        int rowFloats = heads * headDim;
        for (int i = 0; i < n; ) {
            int j = i + 1;
            if (freqs.isDynamic()) while (j < n && lengths[j] == lengths[i]) j++;
            else j = n;
            Rope.applyRows(x, i * rowFloats, rowFloats, j - i, positions, i, heads, headDim, freqs.forLength(lengths[i]), pairing);
            i = j;
        }
    }
}

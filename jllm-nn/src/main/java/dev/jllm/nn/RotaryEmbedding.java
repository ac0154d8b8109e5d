package dev.jllm.nn;

import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;

/**
 * RoPE with a frequency table (plain or scaled: linear, NTK, llama3, YaRN) and a pairing:
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

    /** Rotates {@code n} rows of {@code heads x headDim} floats in place, row i at {@code positions[i]}. */
    public void forward(float[] x, int n, int[] positions, int heads, int headDim) {
        Rope.applyRows(x, 0, heads * headDim, n, positions, 0, heads, headDim, freqs, pairing);
    }
}

package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;

/**
 * Rotary position embedding as a differentiable op. Forward rotates each pair of every head
 * by {@code position * invFreq} (times the table's attention factor) with the inference
 * kernel; since a rotation's transpose is the rotation by the opposite angle, backward
 * rotates the output gradient by {@code -theta} (same factor) and adds it to the input's.
 */
public final class RopeOp {
    private RopeOp() {}

    /**
     * @param x         {@code positions.length} rows of {@code heads * headDim} floats (any shape with that many values)
     * @param positions the position of each row
     * @return the rotated values, same shape as {@code x}
     */
    public static Var rope(Tape tape, Var x, int[] positions, int heads, int headDim, RopeFrequencies freqs,
                           Rope.Pairing pairing) {
        int rows = positions.length, width = heads * headDim;
        if ((long) rows * width != x.numel()) {
            throw new IllegalArgumentException("RoPE over " + rows + " positions of " + heads + " heads x " + headDim
                    + " needs " + (long) rows * width + " values, got " + x);
        }
        if (freqs.rotaryDims() > headDim) {
            throw new IllegalArgumentException("RoPE table rotates " + freqs.rotaryDims() + " dimensions, the head has " + headDim);
        }
        int[] pos = positions.clone(); // the caller may reuse its array before backward runs
        float[] out = x.data().clone();
        Rope.applyRows(out, 0, width, rows, positions, 0, heads, headDim, freqs, pairing);
        Var result = tape.output(out, x.shape(), x);
        return tape.record(result, () -> {
            if (!result.hasGrad()) return;
            float[] g = result.grad(), dx = x.grad();
            Parallel.forRange(rows, Math.max(1, 8192 / width), (s, e) -> {
                int half = freqs.rotaryDims() / 2;
                float[] cos = new float[half], sin = new float[half], row = new float[width];
                for (int r = s; r < e; r++) {
                    Rope.angles(pos[r], freqs, cos, sin);
                    for (int i = 0; i < half; i++) sin[i] = -sin[i];
                    System.arraycopy(g, r * width, row, 0, width);
                    // unrotated dimensions (partial rotary) pass the gradient through unchanged
                    Rope.rotate(row, 0, heads, headDim, freqs.rotaryDims(), cos, sin, pairing);
                    for (int i = 0; i < width; i++) dx[r * width + i] += row[i];
                }
            });
        }, x);
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding, applied in place to the heads of one or more tokens.
 *
 * <p>A token's vector holds {@code heads} heads of {@code headDim} floats. In each head the
 * first {@code rotaryDims} (= 2 x the frequency table length) dimensions are rotated in pairs,
 * pair i by the angle {@code position * invFreq[i]}; the rest pass through (partial rotary,
 * as in GPT-J, GPT-NeoX, Phi, StableLM). Which dimensions form a pair is the {@link Pairing}.
 *
 * <p>The angle is the float32 product of position and frequency, as HF (a float32 matmul)
 * and llama.cpp compute it; cos and sin of it are then multiplied by the table's attention
 * factor. RoPE scaling (linear, NTK, llama3, YaRN) is entirely in the table: see
 * {@link RopeFrequencies}.
 */
public final class Rope {
    private Rope() {}

    /** Which dimensions rotate together. */
    public enum Pairing {
        /** (0,1), (2,3), ...: GPT-J, Meta's original Llama, llama.cpp's "normal" mode. */
        ADJACENT,
        /** (i, i + rotaryDims/2): GPT-NeoX, HF Llama/Qwen/Mistral ({@code rotate_half}), llama.cpp's NEOX mode. */
        HALF
    }

    private static final VectorSpecies<Float> F = Simd.F;
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, i -> i ^ 1);

    /** Fills {@code cos[i]} and {@code sin[i]}, i &lt; rotaryDims/2, for one position (times the attention factor). */
    public static void angles(int position, RopeFrequencies freqs, float[] cos, float[] sin) {
        int half = freqs.rotaryDims() / 2;
        if (cos.length < half || sin.length < half) {
            throw new IllegalArgumentException("cos/sin need " + half + " entries, got " + cos.length + " and " + sin.length);
        }
        float scale = freqs.attentionFactor();
        for (int i = 0; i < half; i++) {
            float theta = position * freqs.invFreq(i);
            cos[i] = (float) Math.cos(theta) * scale;
            sin[i] = (float) Math.sin(theta) * scale;
        }
    }

    /** Rotates the {@code heads} heads at {@code x[xOff..]} for one token at {@code position}. */
    public static void apply(float[] x, int xOff, int heads, int headDim, int position, RopeFrequencies freqs, Pairing pairing) {
        int half = freqs.rotaryDims() / 2;
        float[] cos = new float[half], sin = new float[half];
        angles(position, freqs, cos, sin);
        rotate(x, xOff, heads, headDim, freqs.rotaryDims(), cos, sin, pairing);
    }

    /**
     * Rotates {@code rows} tokens whose vectors start {@code rowStride} floats apart at
     * {@code x[xOff..]}; token r sits at {@code positions[posOff + r]}. Parallel over tokens.
     */
    public static void applyRows(float[] x, int xOff, int rowStride, int rows, int[] positions, int posOff,
                                 int heads, int headDim, RopeFrequencies freqs, Pairing pairing) {
        if (rows < 0) throw new IllegalArgumentException("negative row count " + rows);
        if (rows == 0) return;
        if (rowStride < heads * headDim) {
            throw new IllegalArgumentException("row stride " + rowStride + " is shorter than heads*headDim = " + heads * headDim);
        }
        if (posOff < 0 || posOff + rows > positions.length) {
            throw new IllegalArgumentException("positions [" + posOff + ", " + (posOff + rows) + ") outside an array of "
                    + positions.length);
        }
        KernelArgs.slice("x", x, xOff, (long) (rows - 1) * rowStride + (long) heads * headDim);
        int grain = Math.max(1, 8192 / Math.max(1, heads * headDim));
        Parallel.forRange(rows, grain, (s, e) -> {
            int half = freqs.rotaryDims() / 2;
            float[] cos = new float[half], sin = new float[half];
            for (int r = s; r < e; r++) {
                angles(positions[posOff + r], freqs, cos, sin);
                rotate(x, xOff + r * rowStride, heads, headDim, freqs.rotaryDims(), cos, sin, pairing);
            }
        });
    }

    /** Rotates with precomputed {@code cos/sin} (rotaryDims/2 entries each, attention factor included). */
    public static void rotate(float[] x, int xOff, int heads, int headDim, int rotaryDims, float[] cos, float[] sin,
                              Pairing pairing) {
        KernelArgs.positive("heads", heads);
        if (rotaryDims <= 0 || rotaryDims % 2 != 0 || rotaryDims > headDim) {
            throw new IllegalArgumentException("rotary dimensions must be even and within (0, headDim=" + headDim
                    + "], got " + rotaryDims);
        }
        if (cos.length < rotaryDims / 2 || sin.length < rotaryDims / 2) {
            throw new IllegalArgumentException("cos/sin need " + rotaryDims / 2 + " entries, got " + cos.length
                    + " and " + sin.length);
        }
        KernelArgs.slice("x", x, xOff, (long) heads * headDim);
        if (pairing == Pairing.HALF) {
            for (int h = 0; h < heads; h++) rotateHalf(x, xOff + h * headDim, rotaryDims / 2, cos, sin);
        } else {
            float[] cosPairs = null, sinPairs = null;
            if (!Simd.SCALAR && rotaryDims >= F.length()) {
                // per-lane tables: lane 2i and 2i+1 both use angle i; sin carries the pair's sign
                cosPairs = new float[rotaryDims];
                sinPairs = new float[rotaryDims];
                for (int i = 0; i < rotaryDims / 2; i++) {
                    cosPairs[2 * i] = cos[i];
                    cosPairs[2 * i + 1] = cos[i];
                    sinPairs[2 * i] = -sin[i];
                    sinPairs[2 * i + 1] = sin[i];
                }
            }
            for (int h = 0; h < heads; h++) rotateAdjacent(x, xOff + h * headDim, rotaryDims, cos, sin, cosPairs, sinPairs);
        }
    }

    private static void rotateHalf(float[] x, int base, int half, float[] cos, float[] sin) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(half); i < bound; i += F.length()) {
                FloatVector x1 = FloatVector.fromArray(F, x, base + i);
                FloatVector x2 = FloatVector.fromArray(F, x, base + half + i);
                FloatVector c = FloatVector.fromArray(F, cos, i);
                FloatVector s = FloatVector.fromArray(F, sin, i);
                x1.mul(c).sub(x2.mul(s)).intoArray(x, base + i);
                x2.mul(c).add(x1.mul(s)).intoArray(x, base + half + i);
            }
        }
        for (; i < half; i++) {
            float x1 = x[base + i], x2 = x[base + half + i];
            x[base + i] = x1 * cos[i] - x2 * sin[i];
            x[base + half + i] = x2 * cos[i] + x1 * sin[i];
        }
    }

    private static void rotateAdjacent(float[] x, int base, int rotaryDims, float[] cos, float[] sin,
                                       float[] cosPairs, float[] sinPairs) {
        int j = 0;
        if (cosPairs != null) {
            for (int bound = F.loopBound(rotaryDims); j < bound; j += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, base + j);
                FloatVector swapped = v.rearrange(SWAP_PAIRS);
                v.mul(FloatVector.fromArray(F, cosPairs, j)).add(swapped.mul(FloatVector.fromArray(F, sinPairs, j)))
                        .intoArray(x, base + j);
            }
        }
        for (; j < rotaryDims; j += 2) { // j stays even: vector lengths are even
            float x0 = x[base + j], x1 = x[base + j + 1];
            float c = cos[j / 2], s = sin[j / 2];
            x[base + j] = x0 * c - x1 * s;
            x[base + j + 1] = x1 * c + x0 * s;
        }
    }
}

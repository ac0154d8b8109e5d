package dev.jllm.models;

import dev.jllm.tensor.DType;

/**
 * A decoder-only language model ready to run: weights bound, architecture fixed.
 * Each family implements this once; the engine (sampling, batching, serving) and later the
 * trainer drive it.
 */
public interface CausalLM {
    /** Vocabulary size (rows of the output logits). */
    int vocabSize();

    /** The longest context the model was built for. */
    int contextLength();

    /** A fresh state for one sequence that can hold {@code maxTokens} tokens. */
    ModelState newState(int maxTokens);

    /**
     * A fresh state whose cached keys and values are stored as {@code kvType} (F32, F16 or
     * Q8_0, see {@link KvCache#parseType}). Families whose cache has no such option take F32 only.
     */
    default ModelState newState(int maxTokens, DType kvType) {
        if (kvType == DType.F32) return newState(maxTokens);
        throw new IllegalArgumentException("a KV cache of " + kvType + ": " + getClass().getSimpleName() + " keeps its cache in F32 only");
    }

    /**
     * Runs {@code n} tokens ({@code tokens[off..off+n)}) at positions {@code state.length()..}
     * and appends them to {@code state}. Writes logits into {@code logits}: only the last
     * token's row ({@code vocabSize} floats) unless {@code allLogits}, then {@code n} rows.
     */
    void forward(int[] tokens, int off, int n, ModelState state, float[] logits, boolean allLogits);
}

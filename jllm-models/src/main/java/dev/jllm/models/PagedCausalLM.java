package dev.jllm.models;

import dev.jllm.tensor.DType;

/**
 * A {@link CausalLM} that can also run many sequences in one step over a shared, paged KV
 * pool (continuous batching in a server).
 */
public interface PagedCausalLM extends CausalLM {
    /** A pool of {@code blocks} blocks of {@code blockSize} tokens for every layer, elements of {@code kvType} (F32, F16, Q8_0). */
    PagedKvCache newPagedCache(int blocks, int blockSize, DType kvType);

    /** KV bytes one token costs over all layers in {@code kvType} (to size a pool). */
    long kvBytesPerToken(DType kvType);

    /**
     * Runs every sequence's tokens of {@code batch} in one forward pass: writes their K/V rows into
     * {@code cache} through their block tables and writes {@link PagedBatch#logitRows()} rows of
     * logits ({@code vocabSize} floats each) into {@code logits}, sequence by sequence.
     */
    void forwardBatch(PagedBatch batch, PagedKvCache cache, float[] logits);
}

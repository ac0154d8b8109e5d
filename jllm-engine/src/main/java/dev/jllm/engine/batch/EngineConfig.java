package dev.jllm.engine.batch;

import dev.jllm.tensor.DType;

/**
 * Limits and sizes of a {@link BatchEngine}.
 *
 * @param maxRunning      most requests decoding together (one batched forward step serves them all)
 * @param maxQueue        most requests waiting; beyond it {@code submit} throws {@link QueueFullException}
 * @param contextLength   most tokens (prompt + generated) of one request; at most the model's context
 * @param kvBlocks        blocks in the paged KV pool (0 = enough for {@code maxRunning} full contexts,
 *                        capped at {@code kvMaxBytes})
 * @param blockSize       tokens per KV block
 * @param kvType          KV cache element type: F32, F16 or Q8_0
 * @param stepTokenBudget most tokens one step runs: decodes first (one each), the rest goes to
 *                        prompt chunks (chunked prefill), so long prompts never stall decoding
 * @param prefixCaching   reuse the KV blocks of identical prompt prefixes across requests
 * @param kvMaxBytes      memory cap used when {@code kvBlocks} is 0
 */
public record EngineConfig(int maxRunning, int maxQueue, int contextLength, int kvBlocks, int blockSize, DType kvType,
                           int stepTokenBudget, boolean prefixCaching, long kvMaxBytes) {
    public EngineConfig {
        if (maxRunning < 1) throw new IllegalArgumentException("maxRunning must be >= 1, got " + maxRunning);
        if (maxQueue < 0) throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
        if (contextLength < 2) throw new IllegalArgumentException("contextLength must be >= 2, got " + contextLength);
        if (kvBlocks < 0) throw new IllegalArgumentException("kvBlocks must be >= 0 (0 = automatic), got " + kvBlocks);
        if (blockSize < 1) throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
        if (kvType != DType.F32 && kvType != DType.F16 && kvType != DType.Q8_0) {
            throw new IllegalArgumentException("KV cache type must be F32, F16 or Q8_0, got " + kvType);
        }
        if (stepTokenBudget < maxRunning) {
            throw new IllegalArgumentException("stepTokenBudget (" + stepTokenBudget + ") must be >= maxRunning (" + maxRunning
                    + ") so every running request can decode each step");
        }
        if (kvMaxBytes <= 0) throw new IllegalArgumentException("kvMaxBytes must be positive, got " + kvMaxBytes);
    }

    /** 16 running, 256 queued, context 4096 (or the model's if shorter), F16 KV in blocks of 16, 512 tokens a step. */
    public static EngineConfig defaults() {
        return new EngineConfig(16, 256, 4096, 0, 16, DType.F16, 512, true, 2L << 30);
    }

    public EngineConfig withMaxRunning(int v) { return new EngineConfig(v, maxQueue, contextLength, kvBlocks, blockSize, kvType, Math.max(v, stepTokenBudget), prefixCaching, kvMaxBytes); }
    public EngineConfig withMaxQueue(int v) { return new EngineConfig(maxRunning, v, contextLength, kvBlocks, blockSize, kvType, stepTokenBudget, prefixCaching, kvMaxBytes); }
    public EngineConfig withContextLength(int v) { return new EngineConfig(maxRunning, maxQueue, v, kvBlocks, blockSize, kvType, stepTokenBudget, prefixCaching, kvMaxBytes); }
    public EngineConfig withKvBlocks(int v) { return new EngineConfig(maxRunning, maxQueue, contextLength, v, blockSize, kvType, stepTokenBudget, prefixCaching, kvMaxBytes); }
    public EngineConfig withBlockSize(int v) { return new EngineConfig(maxRunning, maxQueue, contextLength, kvBlocks, v, kvType, stepTokenBudget, prefixCaching, kvMaxBytes); }
    public EngineConfig withKvType(DType v) { return new EngineConfig(maxRunning, maxQueue, contextLength, kvBlocks, blockSize, v, stepTokenBudget, prefixCaching, kvMaxBytes); }
    public EngineConfig withStepTokenBudget(int v) { return new EngineConfig(maxRunning, maxQueue, contextLength, kvBlocks, blockSize, kvType, v, prefixCaching, kvMaxBytes); }
    public EngineConfig withPrefixCaching(boolean v) { return new EngineConfig(maxRunning, maxQueue, contextLength, kvBlocks, blockSize, kvType, stepTokenBudget, v, kvMaxBytes); }
    public EngineConfig withKvMaxBytes(long v) { return new EngineConfig(maxRunning, maxQueue, contextLength, kvBlocks, blockSize, kvType, stepTokenBudget, prefixCaching, v); }
}

package dev.jllm.engine.batch;

/**
 * A snapshot of the engine (for /metrics and logs). Counters are totals since start.
 *
 * @param queued             requests waiting (including preempted ones)
 * @param running            requests holding KV blocks
 * @param kvBlocksTotal      blocks in the pool
 * @param kvBlocksUsed       blocks referenced by running requests
 * @param kvBlocksFree       blocks free or holding only cached prefixes (reclaimable)
 * @param kvBlocksCached     unreferenced blocks kept for the prefix cache (part of free)
 * @param blockSize          tokens per block
 * @param prefixLookups      full prompt blocks looked up in the prefix cache
 * @param prefixHits         of those, found (their prefill was skipped)
 * @param promptTokens       prompt tokens of admitted requests
 * @param cachedPromptTokens prompt tokens served from the prefix cache
 * @param generatedTokens    tokens generated
 * @param preemptions        times a request was preempted for lack of blocks
 * @param steps              batched forward steps run
 * @param completed          requests finished (any reason)
 * @param rejected           submissions refused because the queue was full
 */
public record EngineStats(int queued, int running, int kvBlocksTotal, int kvBlocksUsed, int kvBlocksFree, int kvBlocksCached,
                          int blockSize, long prefixLookups, long prefixHits, long promptTokens, long cachedPromptTokens,
                          long generatedTokens, long preemptions, long steps, long completed, long rejected) {
    /** Hit rate of the prefix cache in [0, 1] (0 before any lookup). */
    public double prefixHitRate() { return prefixLookups == 0 ? 0 : (double) prefixHits / prefixLookups; }
}

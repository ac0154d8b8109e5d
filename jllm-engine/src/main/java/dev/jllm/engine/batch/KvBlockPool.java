package dev.jllm.engine.batch;

import dev.jllm.models.PagedKvCache;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The block manager: which KV blocks are free, who references which (reference counts, so a
 * prefix block can serve many sequences), copy-on-write when a shared block must be written,
 * and the prefix cache: a full block is registered under the chain hash of all tokens up to its
 * end, so a later prompt with the same prefix finds it and skips recomputing it. A block nobody
 * references but whose prefix is cached stays reusable until memory is needed: allocation takes
 * truly free blocks first, then evicts cached ones least recently released first.
 *
 * <p>Not thread-safe: the engine thread owns it.
 */
public final class KvBlockPool {
    private final int blocks, blockSize;
    private final boolean prefixCaching;
    private final int[] refs;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** Unreferenced blocks that still hold a cached prefix, oldest release first. */
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();
    private final Map<Long, Integer> byHash = new HashMap<>();
    private final long[] hashOf;
    private final boolean[] hashed;
    private final long[] parentOf;
    private final int[][] tokensOf;
    private long lookups, hits;

    public KvBlockPool(int blocks, int blockSize, boolean prefixCaching) {
        if (blocks <= 0 || blockSize <= 0) throw new IllegalArgumentException("a block pool needs blocks > 0 and blockSize > 0, got " + blocks + ", " + blockSize);
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        this.refs = new int[blocks];
        this.hashOf = new long[blocks];
        this.hashed = new boolean[blocks];
        this.parentOf = new long[blocks];
        this.tokensOf = new int[blocks][];
        for (int b = 0; b < blocks; b++) free.add(b);
    }

    public int blocks() { return blocks; }
    public int blockSize() { return blockSize; }
    /** Blocks that {@link #allocate} can hand out now (free plus evictable cached). */
    public int available() { return free.size() + evictable.size(); }
    /** Blocks referenced by at least one sequence. */
    public int used() { return blocks - available(); }
    /** Unreferenced blocks kept for the prefix cache. */
    public int cached() { return evictable.size(); }
    public int refCount(int block) { return refs[block]; }
    public long lookups() { return lookups; }
    public long hits() { return hits; }

    /** A block with reference count 1, or -1 when none is left. Evicts the least recently released cached block if needed. */
    public int allocate() {
        int b;
        if (!free.isEmpty()) {
            b = free.poll();
        } else if (!evictable.isEmpty()) {
            var it = evictable.iterator();
            b = it.next();
            it.remove();
            forget(b);
        } else {
            return -1;
        }
        refs[b] = 1;
        return b;
    }

    /** One more reference to a block in use (a sequence sharing it). */
    public void retain(int block) {
        if (refs[block] <= 0) throw new IllegalStateException("block " + block + " is not in use");
        refs[block]++;
    }

    /** Drops a reference; at zero the block becomes free, or evictable when it holds a cached prefix. */
    public void release(int block) {
        if (refs[block] <= 0) throw new IllegalStateException("block " + block + " released more often than referenced");
        if (--refs[block] == 0) {
            if (hashed[block]) evictable.add(block);
            else free.add(block);
        }
    }

    /**
     * Makes {@code block} safe to write for one holder: if others share it, copies it (all layers
     * of {@code cache}) into a new block, drops this holder's reference to the old one and returns
     * the copy; an unshared block is returned as is, minus any cache entry (its content will change).
     * Returns -1 when a copy is needed and no block is left.
     */
    public int writable(int block, PagedKvCache cache) {
        if (refs[block] <= 0) throw new IllegalStateException("block " + block + " is not in use");
        if (refs[block] == 1) {
            forget(block);
            return block;
        }
        int copy = allocate();
        if (copy < 0) return -1;
        cache.copyBlock(block, copy);
        release(block);
        return copy;
    }

    /** The chain hash of a block: its tokens {@code tokens[off..off+blockSize)} after the prefix hashed to {@code parent}. */
    public long chainHash(long parent, int[] tokens, int off) {
        long h = parent ^ 0x9E3779B97F4A7C15L;
        for (int i = 0; i < blockSize; i++) {
            h = (h ^ tokens[off + i]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h * 0x94D049BB133111EBL ^ (h >>> 29);
    }

    /**
     * The cached block holding exactly {@code tokens[off..off+blockSize)} after the prefix
     * {@code parent}, with a new reference taken; -1 on a miss (or with prefix caching off).
     */
    public int lookup(long hash, long parent, int[] tokens, int off) {
        if (!prefixCaching) return -1;
        lookups++;
        Integer b = byHash.get(hash);
        if (b == null || parentOf[b] != parent || !Arrays.equals(tokensOf[b], 0, blockSize, tokens, off, off + blockSize)) return -1;
        hits++;
        if (refs[b] == 0) evictable.remove(b);
        refs[b]++;
        return b;
    }

    /**
     * Records that {@code block} (full, in use) holds the prefix hashed to {@code hash}. If another
     * block already holds that prefix the call does nothing (the first copy stays the cached one).
     */
    public void register(int block, long hash, long parent, int[] tokens, int off) {
        if (!prefixCaching || hashed[block] || byHash.containsKey(hash)) return;
        if (refs[block] <= 0) throw new IllegalStateException("block " + block + " is not in use");
        byHash.put(hash, block);
        hashed[block] = true;
        hashOf[block] = hash;
        parentOf[block] = parent;
        tokensOf[block] = Arrays.copyOfRange(tokens, off, off + blockSize);
    }

    /**
     * Empties the prefix cache and zeroes the lookup counters, as if the pool were new. Only when
     * no block is in use (the engine's warm-up calls it so throwaway prompts leave nothing behind).
     */
    public void reset() {
        if (used() != 0) throw new IllegalStateException(used() + " blocks are still in use");
        for (int b : evictable) {
            forget(b);
            free.add(b);
        }
        evictable.clear();
        lookups = 0;
        hits = 0;
    }

    /** Whether a block is registered in the prefix cache. */
    public boolean isCached(int block) { return hashed[block]; }

    private void forget(int b) {
        if (!hashed[b]) return;
        byHash.remove(hashOf[b], b);
        hashed[b] = false;
        tokensOf[b] = null;
    }
}

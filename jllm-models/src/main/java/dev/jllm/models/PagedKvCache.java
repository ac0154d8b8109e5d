package dev.jllm.models;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.kernel.KvBlockStore;

/**
 * The physical KV memory of a serving engine: for every layer, a pool of fixed-size blocks of
 * keys and one of values ({@link KvBlockStore}, F32/F16/Q8_0). Blocks are numbered
 * {@code 0..blocks-1} and mean the same slot in every layer; sequences own blocks through
 * block tables kept by the engine, so nothing is allocated per request (PagedAttention).
 */
public final class PagedKvCache {
    final KvBlockStore[] keys;
    final KvBlockStore[] values;
    private final int blocks, blockSize;
    private final DType type;

    public PagedKvCache(int layers, int blocks, int blockSize, int kvHeads, int headDim, DType type) {
        if (layers <= 0) throw new IllegalArgumentException("a KV cache needs at least one layer, got " + layers);
        this.keys = new KvBlockStore[layers];
        this.values = new KvBlockStore[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = new KvBlockStore(type, blocks, blockSize, kvHeads, headDim);
            values[l] = new KvBlockStore(type, blocks, blockSize, kvHeads, headDim);
        }
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.type = type;
    }

    /** Bytes one token takes over all layers (K and V) for this geometry. */
    public static long bytesPerToken(int layers, int kvHeads, int headDim, DType type) {
        return 2L * layers * KvBlockStore.bytesPerRow(type, kvHeads * headDim);
    }

    public int layers() { return keys.length; }
    public int blocks() { return blocks; }
    public int blockSize() { return blockSize; }
    public DType type() { return type; }

    /** Layer {@code l}'s key store. */
    public KvBlockStore keys(int l) { return keys[l]; }

    /** Layer {@code l}'s value store. */
    public KvBlockStore values(int l) { return values[l]; }

    /** Bytes held, all layers. */
    public long bytes() { return 2L * keys.length * keys[0].bytes(); }

    /** Copies block {@code from} into block {@code to} in every layer (copy-on-write of a shared block). */
    public void copyBlock(int from, int to) {
        for (int l = 0; l < keys.length; l++) {
            keys[l].copyBlock(from, to);
            values[l].copyBlock(from, to);
        }
    }
}

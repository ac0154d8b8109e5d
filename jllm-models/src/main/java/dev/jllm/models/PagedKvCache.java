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
    /** Null in a {@link #latent} cache, whose one store per layer holds everything. */
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

    private PagedKvCache(KvBlockStore[] keys, int blocks, int blockSize, DType type) {
        this.keys = keys;
        this.values = null;
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.type = type;
    }

    /**
     * A multi-head latent attention pool (DeepSeek-V2/V3): one store per layer whose rows are a
     * token's latent and rotary key side by side, {@code rank + ropeDim} values (one KV head);
     * Q8_0 needs that width to be a multiple of 32 (DeepSeek's 512 + 64 is).
     */
    public static PagedKvCache latent(int layers, int blocks, int blockSize, int rank, int ropeDim, DType type) {
        if (layers <= 0) throw new IllegalArgumentException("a KV cache needs at least one layer, got " + layers);
        KvBlockStore[] rows = new KvBlockStore[layers];
        for (int l = 0; l < layers; l++) rows[l] = new KvBlockStore(type, blocks, blockSize, 1, rank + ropeDim);
        return new PagedKvCache(rows, blocks, blockSize, type);
    }

    /** Bytes one token takes over all layers in a {@link #latent} pool. */
    public static long latentBytesPerToken(int layers, int rank, int ropeDim, DType type) {
        return layers * KvBlockStore.bytesPerRow(type, rank + ropeDim);
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

    /** Layer {@code l}'s value store (a {@link #latent} cache has none). */
    public KvBlockStore values(int l) {
        if (values == null) throw new IllegalStateException("a latent cache keeps one store per layer: use keys(l)");
        return values[l];
    }

    /** Bytes held, all layers. */
    public long bytes() { return (values == null ? 1L : 2L) * keys.length * keys[0].bytes(); }

    /**
     * Stores layer {@code layer}'s new K and V rows of a step: row r of {@code ks}/{@code vs}
     * ({@code rowFloats} each) goes to its token's slot through the sequence's block table. A
     * {@link #latent} cache takes its rows in {@code ks} and null for {@code vs}.
     */
    public void write(int layer, PagedBatch batch, float[] ks, float[] vs, int rowFloats) {
        int[] start = batch.rowStarts(), rows = batch.rowCounts(), pos0 = batch.positions();
        int[][] tables = batch.tables();
        for (int s = 0; s < batch.sequences(); s++) {
            for (int i = 0; i < rows[s]; i++) {
                int p = pos0[s] + i, r = start[s] + i, block = tables[s][p / blockSize];
                keys[layer].write(block, p % blockSize, ks, r * rowFloats);
                if (values != null) values[layer].write(block, p % blockSize, vs, r * rowFloats);
            }
        }
    }

    /** Copies block {@code from} into block {@code to} in every layer (copy-on-write of a shared block). */
    public void copyBlock(int from, int to) {
        for (int l = 0; l < keys.length; l++) {
            keys[l].copyBlock(from, to);
            if (values != null) values[l].copyBlock(from, to);
        }
    }
}

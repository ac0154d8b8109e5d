package dev.jllm.engine.batch;

import java.util.Arrays;

/** One sequence's KV blocks in position order: position p lives in block {@code get(p / blockSize)}. */
final class BlockTable {
    private int[] blocks = new int[8];
    private int size;

    int size() { return size; }
    int get(int i) { return blocks[i]; }
    void set(int i, int block) { blocks[i] = block; }

    void add(int block) {
        if (size == blocks.length) blocks = Arrays.copyOf(blocks, size * 2);
        blocks[size++] = block;
    }

    /** The live array (valid up to {@link #size()}); the forward pass reads it directly. */
    int[] array() { return blocks; }

    /** Releases every block into {@code pool} and empties the table. */
    void releaseAll(KvBlockPool pool) {
        for (int i = 0; i < size; i++) pool.release(blocks[i]);
        size = 0;
    }
}

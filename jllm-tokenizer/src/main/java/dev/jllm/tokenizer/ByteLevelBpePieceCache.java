package dev.jllm.tokenizer;

import java.util.Arrays;

/**
 * Merge results of recently seen pre-tokens (identifiers in code, frequent words that are not a
 * single token), looked up by a range of the input string without making a substring. One per
 * thread, so no locking; it starts small, doubles up to a limit, and is emptied when full.
 */
final class ByteLevelBpePieceCache {
    private static final int MAX_CAPACITY = 1 << 16;
    private static final int MAX_PIECE_CHARS = 64;

    private String[] keys;
    private int[][] values;
    private int[] hashes;
    private int mask;
    private int size;

    ByteLevelBpePieceCache() {
        allocate(1024);
    }

    private void allocate(int capacity) {
        keys = new String[capacity];
        values = new int[capacity][];
        hashes = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }

    int[] get(String s, int start, int end, int hash) {
        int len = end - start;
        int i = hash & mask;
        while (true) {
            String k = keys[i];
            if (k == null) return null;
            if (hashes[i] == hash && k.length() == len && k.regionMatches(0, s, start, len)) return values[i];
            i = (i + 1) & mask;
        }
    }

    void put(String s, int start, int end, int hash, int[] ids) {
        if (end - start > MAX_PIECE_CHARS) return;
        if (2 * (size + 1) > keys.length) {
            if (keys.length < MAX_CAPACITY) grow();
            else allocate(keys.length);
        }
        int i = hash & mask;
        while (keys[i] != null) i = (i + 1) & mask;
        keys[i] = s.substring(start, end);
        values[i] = ids;
        hashes[i] = hash;
        size++;
    }

    private void grow() {
        String[] k = keys;
        int[][] v = values;
        int[] h = hashes;
        allocate(k.length * 2);
        for (int j = 0; j < k.length; j++) {
            if (k[j] == null) continue;
            int i = h[j] & mask;
            while (keys[i] != null) i = (i + 1) & mask;
            keys[i] = k[j];
            values[i] = v[j];
            hashes[i] = h[j];
            size++;
        }
    }

    void clear() {
        Arrays.fill(keys, null);
        Arrays.fill(values, null);
        size = 0;
    }
}

package dev.jllm.tokenizer;

import java.util.Arrays;

/**
 * The merge table of a byte-level BPE: (left id, right id) → (rank, merged id), in an
 * open-addressing hash table of longs, and the merge loop over one pre-token.
 *
 * <p>Both flavours reduce to this table: a Hugging Face merges list gives the rank of a pair
 * directly; a tiktoken rank file merges the adjacent pair whose concatenated bytes have the
 * lowest rank, which is the same as a table holding, for every token, each split of its bytes
 * into two tokens with the token's own rank. Ties go to the leftmost pair in both.
 */
final class ByteLevelBpeMerges {
    static final long NONE = -1L;
    private static final int SMALL = 96;

    private long[] keys;
    private long[] values;
    private int mask;
    private int size;

    ByteLevelBpeMerges(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, NONE);
        mask = cap - 1;
    }

    int size() {
        return size;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private static int hash(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 41));
    }

    /** Adds a merge; a pair seen before keeps its first (lowest) rank. */
    void put(int a, int b, int rank, int merged) {
        if (2 * (size + 1) > keys.length) grow();
        long k = key(a, b);
        int i = hash(k) & mask;
        while (keys[i] != NONE) {
            if (keys[i] == k) return;
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** (rank << 32 | merged id) of the pair, or {@link #NONE}. */
    long get(int a, int b) {
        long k = key(a, b);
        int i = hash(k) & mask;
        long[] ks = keys;
        while (true) {
            long x = ks[i];
            if (x == k) return values[i];
            if (x == NONE) return NONE;
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] oldK = keys, oldV = values;
        keys = new long[oldK.length * 2];
        values = new long[oldK.length * 2];
        Arrays.fill(keys, NONE);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldK.length; i++) {
            if (oldK[i] != NONE) {
                long k = oldK[i];
                int j = hash(k) & mask;
                while (keys[j] != NONE) j = (j + 1) & mask;
                keys[j] = k;
                values[j] = oldV[i];
                size++;
            }
        }
    }

    /**
     * Merges {@code ids[0..n)} in place, lowest rank first (leftmost on ties), and returns the
     * new length. {@code scratch} must hold at least n longs.
     */
    int merge(int[] ids, int n, long[] scratch) {
        if (n < 2) return n;
        if (n > SMALL) return mergeLarge(ids, n);
        long[] pair = scratch; // pair[i]: value for (ids[i], ids[i+1]); rank in the high half
        for (int i = 0; i < n - 1; i++) pair[i] = get(ids[i], ids[i + 1]);
        while (true) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i < n - 1; i++) {
                long v = pair[i];
                // Unsigned-free compare: NONE (-1) never wins; ranks are non-negative.
                if (v >= 0 && (v >>> 32) < (best >>> 32)) {
                    best = v;
                    at = i;
                }
            }
            if (at < 0) return n;
            ids[at] = (int) best;
            System.arraycopy(ids, at + 2, ids, at + 1, n - at - 2);
            System.arraycopy(pair, at + 2, pair, at + 1, n - at - 3 > 0 ? n - at - 3 : 0);
            n--;
            if (at > 0) pair[at - 1] = get(ids[at - 1], ids[at]);
            if (at < n - 1) pair[at] = get(ids[at], ids[at + 1]);
        }
    }

    /**
     * The same merge order for long pre-tokens (long whitespace or symbol runs) with a binary
     * heap of (rank, position) and a linked list of live symbols: O(n log n). An entry is stale
     * when its pair no longer has that rank; it is then skipped.
     */
    private int mergeLarge(int[] ids, int n) {
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            long v = get(ids[i], ids[i + 1]);
            if (v >= 0) heap.push((v & 0xFFFFFFFF00000000L) | i);
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int pos = (int) top;
            if (dead[pos]) continue;
            int r = next[pos];
            if (r < 0) continue;
            long v = get(ids[pos], ids[r]);
            if (v < 0 || (v >>> 32) != (top >>> 32)) continue;
            ids[pos] = (int) v;
            dead[r] = true;
            next[pos] = next[r];
            if (next[r] >= 0) prev[next[r]] = pos;
            int p = prev[pos];
            if (p >= 0) {
                long pv = get(ids[p], ids[pos]);
                if (pv >= 0) heap.push((pv & 0xFFFFFFFF00000000L) | p);
            }
            int q = next[pos];
            if (q >= 0) {
                long qv = get(ids[pos], ids[q]);
                if (qv >= 0) heap.push((qv & 0xFFFFFFFF00000000L) | pos);
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) ids[m++] = ids[i];
        return m;
    }

    /** A min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long v = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }
}

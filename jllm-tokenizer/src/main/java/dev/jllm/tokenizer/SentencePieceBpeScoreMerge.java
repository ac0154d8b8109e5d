package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * SentencePiece's BPE encoding driven by piece scores (what a GGUF "llama" vocabulary carries
 * instead of a merges list), as sentencepiece's bpe_model and llama.cpp's SPM tokenizer do it:
 * start from single characters, repeatedly merge the adjacent pair whose concatenation is a
 * vocabulary piece with the highest score (leftmost on ties), then emit each final symbol; a
 * symbol that is no mergeable piece falls back to its UTF-8 bytes as {@code <0xXX>} tokens.
 *
 * <p>Only normal, user-defined and unused pieces take part in merges (control, unknown and
 * byte tokens never come out of text, as in sentencepiece); a merged symbol that is an unused
 * piece is split back into the two symbols it was made of.
 */
final class SentencePieceBpeScoreMerge {
    private final Map<String, Integer> mergeable;
    private final float[] scores;
    private final boolean[] unused;
    private final int[] byteIds;
    private final int unkId;

    /**
     * @param mergeable pieces that may be produced by merging (normal, user-defined, unused), to their ids
     * @param byteIds   id of {@code <0xXX>} per byte value, or -1
     */
    SentencePieceBpeScoreMerge(Map<String, Integer> mergeable, float[] scores, boolean[] unused, int[] byteIds, int unkId) {
        this.mergeable = mergeable;
        this.scores = scores;
        this.unused = unused;
        this.byteIds = byteIds;
        this.unkId = unkId;
    }

    /**
     * Candidate merges, best first: a binary heap on (score descending, left ascending) packed
     * in one long, with the right symbol and the merged length carried alongside.
     */
    private static final class BigramHeap {
        private long[] key = new long[64];
        private int[] right = new int[64], size = new int[64];
        private int n;
        int topRight, topSize;

        static long key(float score, int left) {
            float negated = -score;
            if (negated == 0) negated = 0f; // -0.0 and 0.0 are equal scores: tie broken by position
            int bits = Float.floatToIntBits(negated);
            bits ^= (bits >> 31) & 0x7FFFFFFF; // IEEE order → signed int order
            return ((long) bits << 32) | left;
        }

        boolean isEmpty() {
            return n == 0;
        }

        void push(long k, int r, int sz) {
            if (n == key.length) {
                key = Arrays.copyOf(key, n * 2);
                right = Arrays.copyOf(right, n * 2);
                size = Arrays.copyOf(size, n * 2);
            }
            int i = n++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (key[parent] <= k) break;
                key[i] = key[parent];
                right[i] = right[parent];
                size[i] = size[parent];
                i = parent;
            }
            key[i] = k;
            right[i] = r;
            size[i] = sz;
        }

        /** Removes the best entry; returns its left index, with topRight/topSize set. */
        int pop() {
            int left = (int) key[0];
            topRight = right[0];
            topSize = size[0];
            long k = key[--n];
            int r = right[n], sz = size[n];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) break;
                if (c + 1 < n && key[c + 1] < key[c]) c++;
                if (key[c] >= k) break;
                key[i] = key[c];
                right[i] = right[c];
                size[i] = size[c];
                i = c;
            }
            key[i] = k;
            right[i] = r;
            size[i] = sz;
            return left;
        }
    }

    /** Encodes {@code text} (spaces already escaped to U+2581) and emits ids in order. */
    void encode(String text, IntConsumer out) {
        if (text.isEmpty()) return;
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];
        int[] len = new int[n]; // in chars; 0 once merged into its left neighbour
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            start[i] = at;
            len[i] = Character.charCount(text.codePointAt(at));
            at += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        BigramHeap queue = new BigramHeap();
        Map<String, String[]> splitOfUnused = new HashMap<>();
        for (int i = 0; i + 1 < n; i++) tryAdd(text, start, len, i, i + 1, queue, splitOfUnused);
        while (!queue.isEmpty()) {
            int l = queue.pop();
            int r = queue.topRight;
            // Stale entry: one side was merged away or grew since this pair was queued.
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != queue.topSize) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) tryAdd(text, start, len, prev[l], l, queue, splitOfUnused);
            if (next[l] >= 0) tryAdd(text, start, len, l, next[l], queue, splitOfUnused);
        }
        for (int i = 0; i >= 0; i = next[i]) {
            emit(text.substring(start[i], start[i] + len[i]), splitOfUnused, out);
        }
    }

    private void tryAdd(String text, int[] start, int[] len, int l, int r, BigramHeap queue,
                        Map<String, String[]> splitOfUnused) {
        String piece = text.substring(start[l], start[r] + len[r]);
        Integer id = mergeable.get(piece);
        if (id == null) return;
        queue.push(BigramHeap.key(scores[id], l), r, piece.length());
        if (unused[id]) {
            splitOfUnused.put(piece, new String[]{
                    text.substring(start[l], start[l] + len[l]), text.substring(start[r], start[r] + len[r])});
        }
    }

    private void emit(String symbol, Map<String, String[]> splitOfUnused, IntConsumer out) {
        Integer id = mergeable.get(symbol);
        if (id != null && !unused[id]) {
            out.accept(id);
            return;
        }
        String[] parts = id != null ? splitOfUnused.get(symbol) : null;
        if (parts != null) {
            emit(parts[0], splitOfUnused, out);
            emit(parts[1], splitOfUnused, out);
            return;
        }
        if (id != null) { // an unused single character: nothing to split it into
            out.accept(id);
            return;
        }
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int byteId = byteIds[b & 0xFF];
            if (byteId >= 0) out.accept(byteId);
            else if (unkId >= 0) out.accept(unkId);
            else throw new IllegalArgumentException("SentencePiece vocabulary has neither <0x"
                    + String.format("%02X", b & 0xFF) + "> nor an unknown token for text '" + symbol + "'");
        }
    }
}

package dev.jllm.tokenizer;

import java.util.Arrays;

/**
 * Whole-piece lookup: the text of a pre-token (a range of the input string, no substring made)
 * → the id of the token whose bytes are that text's UTF-8, or -1. Used where a piece that is a
 * token maps straight to it (tiktoken always; Hugging Face with {@code ignore_merges}).
 */
final class ByteLevelBpePieceTable {
    private final String[] keys;
    private final int[] ids;
    private final int mask;

    /** @param texts token text by id (null where the token's bytes are not valid UTF-8) */
    ByteLevelBpePieceTable(String[] texts) {
        int n = 0;
        for (String t : texts) if (t != null) n++;
        int cap = Integer.highestOneBit(Math.max(16, n * 2 - 1)) << 1;
        keys = new String[cap];
        ids = new int[cap];
        Arrays.fill(ids, -1);
        mask = cap - 1;
        for (int id = 0; id < texts.length; id++) {
            String t = texts[id];
            if (t == null) continue;
            int i = hash(t, 0, t.length()) & mask;
            while (keys[i] != null) {
                if (keys[i].equals(t)) break;
                i = (i + 1) & mask;
            }
            if (keys[i] == null) {
                keys[i] = t;
                ids[i] = id;
            }
        }
    }

    static int hash(String s, int start, int end) {
        int h = end - start;
        for (int i = start; i < end; i++) h = 31 * h + s.charAt(i);
        return h ^ (h >>> 15) ^ (h >>> 7);
    }

    int get(String s, int start, int end) {
        return get(s, start, end, hash(s, start, end));
    }

    int get(String s, int start, int end, int hash) {
        int len = end - start;
        int i = hash & mask;
        while (true) {
            String k = keys[i];
            if (k == null) return -1;
            if (k.length() == len && k.regionMatches(0, s, start, len)) return ids[i];
            i = (i + 1) & mask;
        }
    }
}

package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
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

    private record Bigram(int left, int right, float score, int size) {}

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
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        Map<String, String[]> splitOfUnused = new HashMap<>();
        for (int i = 0; i + 1 < n; i++) tryAdd(text, start, len, i, i + 1, queue, splitOfUnused);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            int l = b.left, r = b.right;
            // Stale entry: one side was merged away or grew since this pair was queued.
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != b.size) continue;
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

    private void tryAdd(String text, int[] start, int[] len, int l, int r, PriorityQueue<Bigram> queue,
                        Map<String, String[]> splitOfUnused) {
        String piece = text.substring(start[l], start[r] + len[r]);
        Integer id = mergeable.get(piece);
        if (id == null) return;
        queue.add(new Bigram(l, r, scores[id], piece.length()));
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

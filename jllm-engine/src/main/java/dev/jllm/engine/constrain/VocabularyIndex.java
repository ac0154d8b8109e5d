package dev.jllm.engine.constrain;

import dev.jllm.tokenizer.ByteLevelBpe;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Utf8StreamDecoder;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A tokenizer's vocabulary as bytes, for constrained decoding: what each token id writes (UTF-8
 * bytes, as the streaming decoder emits them after the first token), arranged in a trie so that
 * tokens sharing a prefix are checked against the automaton once. Build once per tokenizer and
 * share; it is immutable.
 *
 * <p>Special tokens (control and chat markers) are not in the trie: the end ids are allowed only
 * where the output is complete, and others only where a grammar names their text
 * ({@link JsonSchemaGrammar#specialTexts()}). Tokens that write nothing are never allowed.
 */
public final class VocabularyIndex {
    private final byte[][] tokenBytes;  // null: never allowed as text
    private final int[] endIds;
    private final Map<String, Integer> specialIds = new HashMap<>();
    final TokenTrie trie;
    final StringContent stringContent;

    /**
     * @param tokenBytes what each id writes (null or empty: never allowed as text)
     * @param special    ids kept out of the trie (their text is remembered for grammars that name it)
     * @param endIds     ids that end generation (EOS/EOT); at least one
     */
    public VocabularyIndex(byte[][] tokenBytes, boolean[] special, int[] endIds) {
        if (endIds == null || endIds.length == 0) throw new IllegalArgumentException("constrained decoding needs at least one end-of-sequence token id");
        for (int e : endIds) {
            if (e < 0 || e >= tokenBytes.length) throw new IllegalArgumentException("end token id " + e + " is outside the vocabulary of " + tokenBytes.length);
        }
        this.endIds = endIds.clone();
        this.tokenBytes = new byte[tokenBytes.length][];
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] b = tokenBytes[id];
            if (b == null || b.length == 0) continue;
            if (special[id] || contains(endIds, id)) {
                specialIds.putIfAbsent(new String(b, StandardCharsets.UTF_8), id);
                continue;
            }
            this.tokenBytes[id] = b;
        }
        boolean[] inTrie = new boolean[tokenBytes.length];
        for (int id = 0; id < inTrie.length; id++) inTrie[id] = this.tokenBytes[id] != null;
        trie = new TokenTrie(this.tokenBytes, inTrie);
        stringContent = new StringContent(this.tokenBytes);
    }

    /** The vocabulary of {@code tok}; {@code endIds} are the ids that end generation (e.g. {@code LoadedModel.endIds}). */
    public static VocabularyIndex of(Tokenizer tok, int[] endIds) {
        int v = tok.vocabSize();
        byte[][] bytes = new byte[v][];
        boolean[] special = new boolean[v];
        if (tok instanceof ByteLevelBpe bpe) {
            for (int id = 0; id < v; id++) {
                special[id] = tok.isSpecial(id);
                try {
                    bytes[id] = bpe.bytesOf(id);
                } catch (IllegalArgumentException unusedId) {
                    bytes[id] = null; // a hole in the id range (e.g. unused tiktoken ranks)
                }
            }
        } else {
            bytesFromStreamingDecoder(tok, bytes, special);
        }
        return new VocabularyIndex(bytes, special, endIds);
    }

    /**
     * Other tokenizers (SentencePiece) expose text, not bytes: decode each token after a first one
     * (so no leading space is stripped) and take the UTF-8 of what comes out; a byte-fallback
     * piece {@code <0xNN>} stands for that byte.
     */
    private static void bytesFromStreamingDecoder(Tokenizer tok, byte[][] bytes, boolean[] special) {
        Tokenizer.StreamingDecoder dec = tok.streamingDecoder();
        dec.next(tok.bosId() >= 0 ? tok.bosId() : 0);
        dec.flush();
        for (int id = 0; id < bytes.length; id++) {
            special[id] = tok.isSpecial(id);
            String piece = tok.piece(id);
            String text = dec.next(id);
            boolean pending = dec instanceof Utf8StreamDecoder u && u.pendingBytes() > 0;
            dec.flush();
            if (piece != null && piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
                bytes[id] = new byte[]{(byte) Integer.parseInt(piece.substring(3, 5), 16)};
            } else if (!pending) {
                bytes[id] = text.getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    public int size() { return tokenBytes.length; }

    /** What {@code id} writes, or null if it is never allowed as text (special, end or empty). */
    public byte[] bytes(int id) { return tokenBytes[id]; }

    public int[] endIds() { return endIds.clone(); }

    boolean isEnd(int id) { return contains(endIds, id); }

    /** The id of the special token whose text is {@code text}, or -1. */
    public int specialId(String text) { return specialIds.getOrDefault(text, -1); }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) if (x == id) return true;
        return false;
    }
}

package dev.jllm.engine.constrain;

import java.util.BitSet;

/**
 * The fast path for the commonest state, free text inside a string: most tokens are "plain"
 * (whole UTF-8 characters, no quote, backslash or control byte), and a plain token is allowed
 * exactly when its characters fit in what is left of {@code maxLength}. So the mask there is a
 * precomputed set by length, plus a trie walk over the few other tokens only.
 */
final class StringContent {
    /** Code points of each plain token, -1 for the others. */
    final int[] plainCodePoints;
    /** {@code upTo[k]}: the plain tokens of at most k code points. */
    final BitSet[] upTo;
    /** The tokens that are not plain (they close the string, escape, or split a character). */
    final TokenTrie others;

    StringContent(byte[][] bytes) {
        plainCodePoints = new int[bytes.length];
        boolean[] other = new boolean[bytes.length];
        int max = 0;
        for (int id = 0; id < bytes.length; id++) {
            plainCodePoints[id] = bytes[id] == null ? -1 : codePointsIfPlain(bytes[id]);
            other[id] = bytes[id] != null && plainCodePoints[id] < 0;
            max = Math.max(max, plainCodePoints[id]);
        }
        upTo = new BitSet[max + 1];
        for (int k = 0; k <= max; k++) upTo[k] = new BitSet(bytes.length);
        for (int id = 0; id < bytes.length; id++) {
            int c = plainCodePoints[id];
            if (c >= 0) for (int k = c; k <= max; k++) upTo[k].set(id);
        }
        others = new TokenTrie(bytes, other);
    }

    /** The plain tokens that fit in {@code room} more code points. */
    BitSet fitting(int room) { return upTo[Math.min(room, upTo.length - 1)]; }

    static int codePointsIfPlain(byte[] b) {
        int cps = 0, state = Utf8.DONE;
        for (byte x : b) {
            int v = x & 0xFF;
            if (state != Utf8.DONE) {
                state = Utf8.continuation(state, v);
                if (state < 0) return -1;
                continue;
            }
            if (v == '"' || v == '\\' || v < 0x20) return -1;
            state = Utf8.lead(v);
            if (state < 0) return -1;
            cps++;
        }
        return state == Utf8.DONE ? cps : -1;
    }
}

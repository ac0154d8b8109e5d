package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Streaming decode for any tokenizer whose tokens stand for bytes: feed ids (or raw bytes), get
 * back the text that is complete so far. A multi-byte UTF-8 character split across tokens is
 * held back until its last byte arrives; bytes that can never start or continue a valid
 * character are emitted at once as U+FFFD (one per maximal invalid subpart, as
 * {@code new String(bytes, UTF_8)} does).
 */
public final class Utf8StreamDecoder implements Tokenizer.StreamingDecoder {
    private final IntFunction<byte[]> bytesOfToken;
    private byte[] pending = new byte[16];
    private int pendingLength;

    /** @param bytesOfToken the bytes one token id stands for (an empty array for tokens that print nothing) */
    public Utf8StreamDecoder(IntFunction<byte[]> bytesOfToken) {
        this.bytesOfToken = bytesOfToken;
    }

    @Override
    public String next(int id) {
        return append(bytesOfToken.apply(id));
    }

    /** Adds bytes; returns the text that became complete. */
    public String append(byte[] bytes) {
        if (pendingLength + bytes.length > pending.length) {
            pending = java.util.Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        int complete = completePrefix(pending, pendingLength);
        if (complete == 0) return "";
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    @Override
    public String flush() {
        String text = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return text;
    }

    /** Bytes held back because they may be the start of a character still arriving. */
    public int pendingBytes() {
        return pendingLength;
    }

    /**
     * Length of the longest prefix that does not end inside a character that could still be
     * completed: only a trailing, so far valid, incomplete sequence is held back.
     */
    static int completePrefix(byte[] b, int n) {
        // A UTF-8 character is at most 4 bytes: look at the last 3 bytes for a lead byte.
        for (int back = 1; back <= 3 && back <= n; back++) {
            int lead = b[n - back] & 0xFF;
            if (lead < 0x80) return n;             // ASCII: everything before is complete
            if (lead < 0xC0) continue;             // continuation byte: keep looking for its lead
            int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (lead > 0xF4 || lead == 0xC0 || lead == 0xC1) return n; // never valid: emit as U+FFFD
            if (back >= need) return n;            // the sequence is complete (or over-long: invalid)
            if (back >= 2 && !validSecond(lead, b[n - back + 1] & 0xFF)) return n;
            return n - back;                        // incomplete but possibly valid: hold it back
        }
        return n;
    }

    /** The second byte's range per lead byte (no overlongs, no surrogates, nothing past U+10FFFF). */
    private static boolean validSecond(int lead, int second) {
        return switch (lead) {
            case 0xE0 -> second >= 0xA0 && second <= 0xBF;
            case 0xED -> second >= 0x80 && second <= 0x9F;
            case 0xF0 -> second >= 0x90 && second <= 0xBF;
            case 0xF4 -> second >= 0x80 && second <= 0x8F;
            default -> second >= 0x80 && second <= 0xBF;
        };
    }
}

package dev.jllm.tokenizer.train;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-to-character table: each of the 256 byte values is shown as one printable Unicode
 * character, so byte-level tokens are ordinary strings (space is "Ġ", newline "Ċ"). Printable
 * Latin-1 bytes map to themselves; the other 68 map to U+0100 upwards, in byte order.
 */
public final class ByteLevelSymbols {
    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
    }

    private ByteLevelSymbols() {
    }

    /** The character that stands for byte {@code b} (0..255). */
    public static char of(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The UTF-8 bytes of {@code text}, each written as its byte-level character. */
    public static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }
}

package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte ↔ character mapping: vocab files store every token as printable
 * characters, bytes that are printable Latin-1 map to themselves and the others (controls,
 * space, 0x7F-0xA0, 0xAD) to U+0100 upwards in byte order, so the space is 'Ġ' (U+0120).
 */
public final class ByteLevelBpeAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelBpeAlphabet() {}

    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a mapped character stands for, or -1 if the character is not in the alphabet. */
    public static int byteOf(char c) {
        return c < 512 ? CHAR_TO_BYTE[c] : -1;
    }

    /** Bytes → the vocab-file spelling, e.g. " the" → "Ġthe". */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /** The vocab-file spelling → bytes, or null if some character is not in the alphabet. */
    public static byte[] decodeOrNull(String piece) {
        byte[] out = new byte[piece.length()];
        for (int i = 0; i < piece.length(); i++) {
            int b = byteOf(piece.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }

    /**
     * The bytes a token stands for when decoding, as Hugging Face's ByteLevel decoder does: the
     * mapped bytes if every character is in the alphabet, otherwise the token's own UTF-8 (the
     * case for added tokens such as "<｜begin▁of▁sentence｜>").
     */
    public static byte[] decodeLenient(String piece) {
        byte[] b = decodeOrNull(piece);
        return b != null ? b : piece.getBytes(StandardCharsets.UTF_8);
    }
}

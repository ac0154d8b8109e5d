package dev.jllm.serve;

import java.security.SecureRandom;

/** Ids in OpenAI's style: a prefix and random letters and digits ({@code chatcmpl-…}, {@code call_…}). */
final class ResponseIds {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ResponseIds() {}

    static String next(String prefix, int length) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < length; i++) sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        return sb.toString();
    }

    static long randomSeed() {
        return RANDOM.nextLong();
    }
}

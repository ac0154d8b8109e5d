package dev.jllm.tokenizer;

import java.util.Map;

/** Maps the known split patterns (in their different spellings) to hand-written scanners. */
final class PreTokenizerScanners {
    private PreTokenizerScanners() {}

    /** Other spellings of the same patterns (tiktoken's possessive forms, GGUF/llama.cpp forms). */
    private static final Map<String, String> ALIASES = Map.of(
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", PreTokenizer.GPT2,
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", PreTokenizer.GPT2,
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", PreTokenizer.CL100K,
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", PreTokenizer.QWEN2);

    static String canonical(String regex) {
        if (regex.equals(PreTokenizer.O200K)) return PreTokenizer.O200K;
        return ALIASES.get(regex);
    }

    static PreTokenizer scannerFor(String canonical) {
        if (canonical.equals(PreTokenizer.GPT2)) return new PreTokenizerGpt2();
        if (canonical.equals(PreTokenizer.CL100K)) return new PreTokenizerCl100k(3);
        if (canonical.equals(PreTokenizer.QWEN2)) return new PreTokenizerCl100k(1);
        if (canonical.equals(PreTokenizer.O200K)) return new PreTokenizerO200k();
        return null;
    }

    // ---- helpers shared by the scanners -------------------------------------------------

    static int cp(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? s.codePointAt(i) : c;
    }

    static int cls(String s, int i) {
        char c = s.charAt(i);
        return PreTokenizerCharClass.of(Character.isHighSurrogate(c) ? s.codePointAt(i) : c);
    }

    static int len(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length()
                && Character.isLowSurrogate(s.charAt(i + 1)) ? 2 : 1;
    }

    /** End of the run of code points from {@code i} whose class has any of {@code mask}. */
    static int run(String s, int i, int end, int mask) {
        while (i < end && (cls(s, i) & mask) != 0) i += len(s, i);
        return i;
    }

    /**
     * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)} at {@code i} (which holds the apostrophe): the end of
     * the contraction, or -1. Case folding as java.util.regex with UNICODE_CASE (so U+017F, the
     * long s, matches 's').
     */
    static int contractionIgnoreCase(String s, int i, int end) {
        if (i + 1 >= end || s.charAt(i) != '\'') return -1;
        char a = s.charAt(i + 1);
        switch (a) {
            case 's', 'S', '\u017F', 't', 'T', 'm', 'M', 'd', 'D' -> { return i + 2; }
            default -> { }
        }
        if (i + 2 >= end) return -1;
        char b = s.charAt(i + 2);
        if ((a == 'r' || a == 'R' || a == 'v' || a == 'V') && (b == 'e' || b == 'E')) return i + 3;
        if ((a == 'l' || a == 'L') && (b == 'l' || b == 'L')) return i + 3;
        return -1;
    }

    /**
     * The whitespace alternatives shared by the cl100k-style patterns at a whitespace char:
     * {@code \s*[\r\n]+|\s+(?!\S)|\s+}. All White_Space code points are in the BMP.
     */
    static int whitespace(String s, int i, int end, boolean newlineAlternative) {
        int j = i;
        int lastNewline = -1;
        while (j < end) {
            char c = s.charAt(j);
            if ((PreTokenizerCharClass.of(c) & PreTokenizerCharClass.SPACE) == 0) break;
            if (c == '\r' || c == '\n') lastNewline = j;
            j++;
        }
        if (newlineAlternative && lastNewline >= 0) return lastNewline + 1;
        if (j == end) return j;
        return j - 1 > i ? j - 1 : j;
    }
}

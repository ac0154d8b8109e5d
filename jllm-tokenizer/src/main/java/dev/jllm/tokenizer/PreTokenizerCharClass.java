package dev.jllm.tokenizer;

/**
 * Unicode classes used by the split regexes of the byte-level BPE families (the {@code \p{..}}
 * and {@code \s} of those patterns), looked up from a table for the BMP. The definitions follow
 * {@link java.util.regex.Pattern} with {@code UNICODE_CHARACTER_CLASS}: letters are the L*
 * categories, numbers the N* categories, marks the M* categories, and whitespace is the Unicode
 * White_Space property (not {@link Character#isWhitespace}, which differs on NBSP and U+001C..1F).
 */
final class PreTokenizerCharClass {
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 4;
    /** Lu, Lt: the "upper" class of o200k ({@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}) only. */
    static final int UPPER_ONLY = 8;
    /** Ll: the "lower" class of o200k ({@code [\p{Ll}\p{Lm}\p{Lo}\p{M}]}) only. */
    static final int LOWER_ONLY = 16;
    /** Lm, Lo: in both o200k case classes. */
    static final int CASELESS_LETTER = 32;
    static final int MARK = 64;
    static final int PUNCT = 128;
    static final int SYMBOL = 256;
    static final int NEWLINE = 512;

    private static final short[] BMP = new short[65536];

    static {
        for (int c = 0; c < 65536; c++) BMP[c] = (short) compute(c);
    }

    private PreTokenizerCharClass() {}

    static int of(int cp) {
        return cp < 65536 ? BMP[cp] : compute(cp);
    }

    static boolean isLetter(int cp) { return (of(cp) & LETTER) != 0; }

    static boolean isNumber(int cp) { return (of(cp) & NUMBER) != 0; }

    static boolean isSpace(int cp) { return (of(cp) & SPACE) != 0; }

    /** The Unicode White_Space property. */
    static boolean isWhiteSpaceProperty(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    private static int compute(int cp) {
        int bits = 0;
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER -> bits |= LETTER | UPPER_ONLY;
            case Character.LOWERCASE_LETTER -> bits |= LETTER | LOWER_ONLY;
            case Character.MODIFIER_LETTER, Character.OTHER_LETTER -> bits |= LETTER | CASELESS_LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> bits |= NUMBER;
            case Character.NON_SPACING_MARK, Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK -> bits |= MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> bits |= PUNCT;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> bits |= SYMBOL;
            default -> { }
        }
        if (isWhiteSpaceProperty(cp)) bits |= SPACE;
        if (cp == '\r' || cp == '\n') bits |= NEWLINE;
        return bits;
    }
}

package dev.jllm.tokenizer;

import java.text.Normalizer;

/**
 * BERT's text normalizer (Hugging Face {@code BertNormalizer}), in its fixed order:
 * <ol>
 *   <li>clean text: drop NUL, U+FFFD and control, format and private-use characters (but keep
 *       tab/newline/CR); turn every whitespace character into a space;</li>
 *   <li>CJK ideographs get a space on each side, so each becomes its own word;</li>
 *   <li>strip accents: NFD, then drop nonspacing marks (Mn);</li>
 *   <li>lowercase, per code point and without context (Σ is always σ).</li>
 * </ol>
 * Character classes follow Hugging Face's (older) Unicode tables: see {@link BertCharClasses}.
 */
public record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    /** BERT's defaults for an uncased ({@code lowercase}) or cased vocabulary: accents follow lowercase. */
    public static BertNormalizer bert(boolean lowercase) {
        return new BertNormalizer(true, true, lowercase, lowercase);
    }

    public String normalize(String text) {
        String s = text;
        if (cleanText) s = clean(s);
        if (handleChineseChars) s = padChinese(s);
        if (stripAccents) s = stripAccents(s);
        if (lowercase) s = lowercase(s);
        return s;
    }

    private static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (BertCharClasses.isRemoved(cp)) return;
            b.appendCodePoint(BertCharClasses.isWhitespace(cp) ? ' ' : cp);
        });
        return b.toString();
    }

    private static String padChinese(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(cp -> {
            if (isChineseChar(cp)) b.append(' ').appendCodePoint(cp).append(' ');
            else b.appendCodePoint(cp);
        });
        return b.toString();
    }

    private static String stripAccents(String s) {
        String d = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(d.length());
        d.codePoints().forEach(cp -> {
            if (!BertCharClasses.isAccent(cp)) b.appendCodePoint(cp);
        });
        return b.toString();
    }

    /** Per code point; İ (U+0130) is the one character whose lowercase is two code points. */
    static String lowercase(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp == 0x130) b.append("i\u0307");
            else b.appendCodePoint(Character.toLowerCase(cp));
        });
        return b.toString();
    }

    /** The CJK ideograph blocks BERT pads with spaces (not Hangul, Hiragana or Katakana). */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}

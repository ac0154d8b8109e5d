package dev.jllm.tokenizer;

import java.util.function.Consumer;

/**
 * BERT's pre-tokenizer: words end at whitespace (dropped) and every punctuation character is a
 * word of its own. Punctuation as BERT defines it: all of ASCII's symbol characters
 * ({@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}, so {@code $ + < = > ^ ` | ~} count too) and every
 * Unicode P* character.
 */
public final class BertPreTokenizer {
    private BertPreTokenizer() {}

    public static void split(String text, Consumer<String> words) {
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (BertCharClasses.isWhitespace(cp)) {
                if (start >= 0) words.accept(text.substring(start, i));
                start = -1;
            } else if (isPunctuation(cp)) {
                if (start >= 0) words.accept(text.substring(start, i));
                words.accept(text.substring(i, next));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) words.accept(text.substring(start));
    }

    /** Whitespace-only splitting (Hugging Face {@code WhitespaceSplit}). */
    public static void splitOnWhitespace(String text, Consumer<String> words) {
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (BertCharClasses.isWhitespace(cp)) {
                if (start >= 0) words.accept(text.substring(start, i));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) words.accept(text.substring(start));
    }

    static boolean isPunctuation(int cp) {
        return BertCharClasses.isPunctuation(cp);
    }
}

package dev.jllm.tokenizer;

import static dev.jllm.tokenizer.PreTokenizerCharClass.LETTER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.NUMBER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.SPACE;
import static dev.jllm.tokenizer.PreTokenizerScanners.cls;
import static dev.jllm.tokenizer.PreTokenizerScanners.len;
import static dev.jllm.tokenizer.PreTokenizerScanners.run;

/**
 * A scanner for the GPT-2 split pattern (r50k_base, p50k_base, and Hugging Face's ByteLevel
 * pre-tokenizer with {@code use_regex}):
 * <pre>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</pre>
 * Contractions are case-sensitive here, unlike the later patterns.
 */
final class PreTokenizerGpt2 implements PreTokenizer {

    @Override
    public void split(String s, int start, int end, RangeSink sink) {
        int i = start;
        while (i < end) {
            int j = next(s, i, end);
            sink.accept(i, j);
            i = j;
        }
    }

    private static int next(String s, int i, int end) {
        char ch = s.charAt(i);
        if (ch == '\'' && i + 1 < end) {
            char a = s.charAt(i + 1);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
            if (i + 2 < end) {
                char b = s.charAt(i + 2);
                if ((a == 'r' || a == 'v') && b == 'e' || a == 'l' && b == 'l') return i + 3;
            }
        }
        int p = i;
        if (ch == ' ' && i + 1 < end && (cls(s, i + 1) & SPACE) == 0) p = i + 1;
        int c = cls(s, p);
        int n1 = p + len(s, p);
        if ((c & LETTER) != 0) return run(s, n1, end, LETTER);
        if ((c & NUMBER) != 0) return run(s, n1, end, NUMBER);
        if ((c & SPACE) == 0) {
            int j = n1;
            while (j < end && (cls(s, j) & (SPACE | LETTER | NUMBER)) == 0) j += len(s, j);
            return j;
        }
        return PreTokenizerScanners.whitespace(s, i, end, false);
    }
}

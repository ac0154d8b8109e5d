package dev.jllm.tokenizer;

import static dev.jllm.tokenizer.PreTokenizerCharClass.LETTER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.NEWLINE;
import static dev.jllm.tokenizer.PreTokenizerCharClass.NUMBER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.SPACE;
import static dev.jllm.tokenizer.PreTokenizerScanners.cls;
import static dev.jllm.tokenizer.PreTokenizerScanners.len;
import static dev.jllm.tokenizer.PreTokenizerScanners.run;

/**
 * A scanner for the cl100k family of split patterns (cl100k_base, Llama 3 with
 * {@code maxDigits = 3}; Qwen2/Qwen3 with {@code maxDigits = 1}):
 * <pre>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}
 * | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</pre>
 * Every alternative is tried in order at each position, as the regex engine would; the
 * pattern matches at every position, so the pieces tile the text.
 */
final class PreTokenizerCl100k implements PreTokenizer {
    private final int maxDigits;

    PreTokenizerCl100k(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    @Override
    public void split(String s, int start, int end, RangeSink sink) {
        int i = start;
        while (i < end) {
            int j = next(s, i, end);
            sink.accept(i, j);
            i = j;
        }
    }

    private int next(String s, int i, int end) {
        char ch = s.charAt(i);
        if (ch == '\'') {
            int j = PreTokenizerScanners.contractionIgnoreCase(s, i, end);
            if (j > 0) return j;
        }
        int c = cls(s, i);
        int n1 = i + len(s, i);
        if ((c & LETTER) != 0) return run(s, n1, end, LETTER);
        int nextCls = n1 < end ? cls(s, n1) : 0;
        if ((c & (NEWLINE | NUMBER)) == 0 && (nextCls & LETTER) != 0) return run(s, n1, end, LETTER);
        if ((c & NUMBER) != 0) {
            int j = n1;
            for (int k = 1; k < maxDigits && j < end && (cls(s, j) & NUMBER) != 0; k++) j += len(s, j);
            return j;
        }
        int p = -1;
        if ((c & (SPACE | LETTER | NUMBER)) == 0) p = i;
        else if (ch == ' ' && n1 < end && (nextCls & (SPACE | LETTER | NUMBER)) == 0) p = n1;
        if (p >= 0) {
            int j = p;
            while (j < end && (cls(s, j) & (SPACE | LETTER | NUMBER)) == 0) j += len(s, j);
            while (j < end && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) j++;
            return j;
        }
        return PreTokenizerScanners.whitespace(s, i, end, true);
    }
}

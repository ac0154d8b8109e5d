package dev.jllm.tokenizer;

import static dev.jllm.tokenizer.PreTokenizerCharClass.CASELESS_LETTER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.LETTER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.LOWER_ONLY;
import static dev.jllm.tokenizer.PreTokenizerCharClass.MARK;
import static dev.jllm.tokenizer.PreTokenizerCharClass.NEWLINE;
import static dev.jllm.tokenizer.PreTokenizerCharClass.NUMBER;
import static dev.jllm.tokenizer.PreTokenizerCharClass.SPACE;
import static dev.jllm.tokenizer.PreTokenizerCharClass.UPPER_ONLY;
import static dev.jllm.tokenizer.PreTokenizerScanners.cls;
import static dev.jllm.tokenizer.PreTokenizerScanners.len;
import static dev.jllm.tokenizer.PreTokenizerScanners.run;

/**
 * A scanner for the o200k_base split pattern ({@link PreTokenizer#O200K}). Its two word
 * alternatives, {@code P?U*W+C?} and {@code P?U+W*C?} with U = [Lu Lt Lm Lo M] and
 * W = [Ll Lm Lo M], overlap on Lm/Lo/M, so the regex backtracks; the scanner reproduces the
 * backtracking order exactly: first with the optional prefix P taken, then without it.
 */
final class PreTokenizerO200k implements PreTokenizer {
    private static final int U = UPPER_ONLY | CASELESS_LETTER | MARK;
    private static final int W = LOWER_ONLY | CASELESS_LETTER | MARK;

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
        int c = cls(s, i);
        int n1 = i + len(s, i);
        boolean prefixAllowed = (c & (NEWLINE | LETTER | NUMBER)) == 0;
        if ((c & (U | W)) != 0 || prefixAllowed && n1 < end && (cls(s, n1) & (U | W)) != 0) {
            int e;
            if (prefixAllowed && (e = upperThenLower(s, n1, end)) >= 0) return e;
            if ((e = upperThenLower(s, i, end)) >= 0) return e;
            if (prefixAllowed && (e = upperHead(s, n1, end)) >= 0) return e;
            if ((e = upperHead(s, i, end)) >= 0) return e;
        }
        if ((c & NUMBER) != 0) {
            int j = n1;
            for (int k = 1; k < 3 && j < end && (cls(s, j) & NUMBER) != 0; k++) j += len(s, j);
            return j;
        }
        int p = -1;
        if ((c & (SPACE | LETTER | NUMBER)) == 0) p = i;
        else if (s.charAt(i) == ' ' && n1 < end && (cls(s, n1) & (SPACE | LETTER | NUMBER)) == 0) p = n1;
        if (p >= 0) {
            int j = p;
            while (j < end && (cls(s, j) & (SPACE | LETTER | NUMBER)) == 0) j += len(s, j);
            while (j < end && (s.charAt(j) == '\r' || s.charAt(j) == '\n' || s.charAt(j) == '/')) j++;
            return j;
        }
        return PreTokenizerScanners.whitespace(s, i, end, true);
    }

    /** {@code U*W+C?} from {@code p}, backtracking U* as the regex does; -1 when it fails. */
    private static int upperThenLower(String s, int p, int end) {
        int q = p;
        int lastBothEnd = -1;
        while (q < end) {
            int k = cls(s, q);
            if ((k & U) == 0) break;
            q += len(s, q);
            if ((k & W) != 0) lastBothEnd = q;
        }
        if (q < end && (cls(s, q) & W) != 0) return contraction(s, run(s, q, end, W), end);
        // W+ can only take the last char of the U run that is also in W; what follows it is
        // in U but not W, so it cannot be an apostrophe.
        return lastBothEnd;
    }

    /** {@code U+W*C?} from {@code p}; -1 when it fails. */
    private static int upperHead(String s, int p, int end) {
        if (p >= end) return -1;
        int q = run(s, p, end, U);
        if (q == p) return -1;
        return contraction(s, run(s, q, end, W), end);
    }

    private static int contraction(String s, int q, int end) {
        if (q < end && s.charAt(q) == '\'') {
            int j = PreTokenizerScanners.contractionIgnoreCase(s, q, end);
            if (j > 0) return j;
        }
        return q;
    }
}

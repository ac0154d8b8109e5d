package dev.jllm.tokenizer;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A split by a regular expression with the delimiter behaviours of Hugging Face's {@code Split}
 * pre-tokenizer. With {@link Behavior#ISOLATED} every match and every gap between matches is a
 * piece, which for the tiktoken patterns (that match everywhere) is just the list of matches.
 */
final class PreTokenizerRegex implements PreTokenizer {

    /** What happens to the matched delimiters (Hugging Face's SplitDelimiterBehavior). */
    enum Behavior {
        ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior fromJson(String name) {
            return switch (name) {
                case "Isolated" -> ISOLATED;
                case "Removed" -> REMOVED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> throw new IllegalArgumentException("unknown Split behavior '" + name
                        + "' (expected Isolated, Removed, MergedWithPrevious, MergedWithNext or Contiguous)");
            };
        }
    }

    private final Pattern pattern;
    private final Behavior behavior;
    private final boolean invert;

    PreTokenizerRegex(Pattern pattern, Behavior behavior, boolean invert) {
        this.pattern = pattern;
        this.behavior = behavior;
        this.invert = invert;
    }

    @Override
    public void split(String text, int start, int end, RangeSink sink) {
        Matcher m = pattern.matcher(text);
        m.region(start, end);
        if (behavior == Behavior.ISOLATED) {
            int prev = start;
            while (m.find()) {
                if (m.start() == m.end()) continue;
                if (m.start() > prev) sink.accept(prev, m.start());
                sink.accept(m.start(), m.end());
                prev = m.end();
            }
            if (prev < end) sink.accept(prev, end);
            return;
        }
        // General case: list (start, end, isMatch) triples covering the range, then combine.
        int[] pieces = new int[24];
        int n = 0;
        int prev = start;
        while (m.find()) {
            if (m.start() == m.end()) continue;
            if (m.start() > prev) { pieces = add(pieces, n++, prev, m.start(), invert); }
            pieces = add(pieces, n++, m.start(), m.end(), !invert);
            prev = m.end();
        }
        if (prev < end) pieces = add(pieces, n++, prev, end, invert);
        emit(pieces, n, behavior, sink);
    }

    private static int[] add(int[] a, int index, int s, int e, boolean isMatch) {
        if (3 * index + 3 > a.length) a = Arrays.copyOf(a, a.length * 2);
        a[3 * index] = s;
        a[3 * index + 1] = e;
        a[3 * index + 2] = isMatch ? 1 : 0;
        return a;
    }

    /** Combines (start, end, isMatch) pieces according to the behaviour, in HF's order. */
    static void emit(int[] p, int n, Behavior behavior, RangeSink sink) {
        switch (behavior) {
            case ISOLATED -> {
                for (int k = 0; k < n; k++) sink.accept(p[3 * k], p[3 * k + 1]);
            }
            case REMOVED -> {
                for (int k = 0; k < n; k++) if (p[3 * k + 2] == 0) sink.accept(p[3 * k], p[3 * k + 1]);
            }
            case CONTIGUOUS, MERGED_WITH_PREVIOUS -> {
                int curS = -1, curE = -1;
                boolean previousMatch = false;
                for (int k = 0; k < n; k++) {
                    boolean isMatch = p[3 * k + 2] == 1;
                    boolean join = behavior == Behavior.CONTIGUOUS
                            ? isMatch == previousMatch : isMatch && !previousMatch;
                    if (join && curS >= 0) {
                        curE = p[3 * k + 1];
                    } else {
                        if (curS >= 0) sink.accept(curS, curE);
                        curS = p[3 * k];
                        curE = p[3 * k + 1];
                    }
                    previousMatch = isMatch;
                }
                if (curS >= 0) sink.accept(curS, curE);
            }
            case MERGED_WITH_NEXT -> {
                // Walk backwards: a match joins the piece after it.
                int[] out = new int[2 * n];
                int count = 0;
                boolean previousMatch = false;
                for (int k = n - 1; k >= 0; k--) {
                    boolean isMatch = p[3 * k + 2] == 1;
                    if (isMatch && !previousMatch && count > 0) {
                        out[2 * (count - 1)] = p[3 * k];
                    } else {
                        out[2 * count] = p[3 * k];
                        out[2 * count + 1] = p[3 * k + 1];
                        count++;
                    }
                    previousMatch = isMatch;
                }
                for (int k = count - 1; k >= 0; k--) sink.accept(out[2 * k], out[2 * k + 1]);
            }
        }
    }
}

package dev.jllm.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Added tokens (Hugging Face {@code added_tokens}, tiktoken special tokens) found in text before
 * any pre-tokenization: at the leftmost position where one occurs, the longest one wins.
 * {@code lstrip}/{@code rstrip} make a match swallow the whitespace on its left/right,
 * {@code singleWord} only accepts a match that is not inside a word.
 */
public final class SpecialTokens {

    /** One added token. {@code special}: a control token, skipped when special parsing is off. */
    public record Entry(String content, int id, boolean special, boolean lstrip, boolean rstrip,
                        boolean singleWord) {
        public Entry {
            if (content.isEmpty()) throw new IllegalArgumentException("added token " + id + " has empty content");
        }

        public static Entry special(String content, int id) {
            return new Entry(content, id, true, false, false, false);
        }
    }

    /** Receives the split: text ranges and matched token ids, in order. */
    public interface Sink {
        void text(int start, int end);

        void token(int id);
    }

    private final List<Entry> entries;
    private final Map<Character, Entry[]> byFirstChar = new HashMap<>();
    private final boolean[] firstChar = new boolean[65536];

    public SpecialTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        Map<Character, List<Entry>> groups = new HashMap<>();
        for (Entry e : entries) groups.computeIfAbsent(e.content().charAt(0), k -> new ArrayList<>()).add(e);
        groups.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((Entry e) -> e.content().length()).reversed());
            byFirstChar.put(c, list.toArray(Entry[]::new));
            firstChar[c] = true;
        });
    }

    public List<Entry> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Splits {@code text[start, end)}; with {@code parseSpecial} false, entries marked special
     * are not matched (they stay text), the others still are.
     */
    public void split(String text, int start, int end, boolean parseSpecial, Sink sink) {
        int textStart = start;
        int i = start;
        while (i < end) {
            char c = text.charAt(i);
            if (!firstChar[c]) {
                i++;
                continue;
            }
            Entry match = null;
            for (Entry e : byFirstChar.get(c)) {
                if (e.special() && !parseSpecial) continue;
                int len = e.content().length();
                if (i + len <= end && text.startsWith(e.content(), i)
                        && (!e.singleWord() || isWordBoundary(text, i, i + len, start, end))) {
                    match = e;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int mStart = i, mEnd = i + match.content().length();
            if (match.lstrip()) while (mStart > textStart && isSpace(text.charAt(mStart - 1))) mStart--;
            if (match.rstrip()) while (mEnd < end && isSpace(text.charAt(mEnd))) mEnd++;
            if (mStart > textStart) sink.text(textStart, mStart);
            sink.token(match.id());
            textStart = mEnd;
            i = mEnd;
        }
        if (textStart < end) sink.text(textStart, end);
    }

    private static boolean isSpace(char c) {
        return PreTokenizerCharClass.isWhiteSpaceProperty(c);
    }

    private static boolean isWordBoundary(String s, int from, int to, int start, int end) {
        boolean before = from == start || !isWordChar(s.codePointBefore(from));
        boolean after = to == end || !isWordChar(s.codePointAt(to));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}

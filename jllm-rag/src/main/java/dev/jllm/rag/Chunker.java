package dev.jllm.rag;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a document into chunks of at most {@code maxTokens} tokens (counted by the embedding
 * model's tokenizer) that overlap by about {@code overlapTokens}. Cuts fall on paragraph
 * boundaries first, then sentence boundaries; a markdown heading starts a new chunk, and a
 * fenced code block is kept whole unless it alone exceeds the budget (then it is cut by lines).
 */
public final class Chunker {
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?。！？])\\s+");

    private final ToIntFunction<String> tokenCount;
    private final int maxTokens;
    private final int overlapTokens;

    public Chunker(ToIntFunction<String> tokenCount, int maxTokens, int overlapTokens) {
        if (maxTokens < 1 || overlapTokens < 0 || overlapTokens >= maxTokens) {
            throw new IllegalArgumentException("need maxTokens >= 1 and 0 <= overlap < maxTokens, got " + maxTokens + ", " + overlapTokens);
        }
        this.tokenCount = tokenCount;
        this.maxTokens = maxTokens;
        this.overlapTokens = overlapTokens;
    }

    /** A span of the document that is never cut inside (a sentence, a code line, a heading). */
    private record Unit(int start, int end, int tokens, boolean heading) {}

    public List<Chunk> chunk(String source, String text) {
        List<Unit> units = units(text);
        List<Chunk> out = new ArrayList<>();
        int i = 0;
        while (i < units.size()) {
            int j = i, tokens = 0;
            while (j < units.size() && (j == i || (tokens + units.get(j).tokens <= maxTokens && !units.get(j).heading))) {
                tokens += units.get(j).tokens;
                j++;
            }
            int start = units.get(i).start, end = units.get(j - 1).end;
            out.add(new Chunk(source, out.size(), start, end, text.substring(start, end)));
            if (j >= units.size()) break;
            // Step back over whole units worth at most overlapTokens, never past the chunk start, never before a heading.
            int back = j, over = 0;
            while (back - 1 > i && !units.get(j).heading && over + units.get(back - 1).tokens <= overlapTokens) {
                over += units.get(back - 1).tokens;
                back--;
            }
            i = back;
        }
        return out;
    }

    /** Headings, sentences of paragraphs, lines of oversized code blocks; whitespace-only text gives none. */
    private List<Unit> units(String text) {
        List<Unit> units = new ArrayList<>();
        int pos = 0, n = text.length();
        while (pos < n) {
            int lineEnd = text.indexOf('\n', pos);
            if (lineEnd < 0) lineEnd = n;
            String line = text.substring(pos, lineEnd);
            String trimmed = line.strip();
            if (trimmed.isEmpty()) {
                pos = lineEnd + 1;
            } else if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
                String fence = trimmed.substring(0, 3);
                int close = text.indexOf("\n" + fence, lineEnd);
                int end = close < 0 ? n : Math.min(n, lineEndAt(text, close + 1));
                addBlock(units, text, pos, end, true);
                pos = end + 1;
            } else if (trimmed.startsWith("#")) {
                units.add(new Unit(pos, lineEnd, count(text, pos, lineEnd), true));
                pos = lineEnd + 1;
            } else {
                int end = text.indexOf("\n\n", pos);
                if (end < 0) end = n;
                // a heading or fence inside the paragraph ends it
                int scan = pos;
                while (true) {
                    int nl = text.indexOf('\n', scan);
                    if (nl < 0 || nl >= end) break;
                    String next = text.substring(nl + 1, lineEndAt(text, nl + 1)).strip();
                    if (next.startsWith("#") || next.startsWith("```") || next.startsWith("~~~")) {
                        end = nl;
                        break;
                    }
                    scan = nl + 1;
                }
                addBlock(units, text, pos, end, false);
                pos = end + 1;
            }
        }
        return units;
    }

    private static int lineEndAt(String text, int from) {
        int e = text.indexOf('\n', from);
        return e < 0 ? text.length() : e;
    }

    private void addBlock(List<Unit> units, String text, int start, int end, boolean code) {
        end = Math.min(end, text.length());
        int t = count(text, start, end);
        if (t <= maxTokens) {
            units.add(new Unit(start, end, t, false));
            return;
        }
        // Too big: code by lines, prose by sentences; a single oversized piece is still one unit
        // (the embedder truncates it) rather than being cut mid-word.
        Pattern split = code ? Pattern.compile("\n") : SENTENCE_END;
        Matcher m = split.matcher(text).region(start, end);
        int s = start;
        while (m.find()) {
            if (m.start() > s) units.add(new Unit(s, m.start(), count(text, s, m.start()), false));
            s = m.end();
        }
        if (s < end) units.add(new Unit(s, end, count(text, s, end), false));
    }

    private int count(String text, int start, int end) {
        return Math.max(1, tokenCount.applyAsInt(text.substring(start, end)));
    }
}

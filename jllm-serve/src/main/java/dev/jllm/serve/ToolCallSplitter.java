package dev.jllm.serve;

import java.util.List;

/**
 * Separates tool calls from plain content while a choice streams. Text before anything that
 * could open a tool call goes out at once; from the first opening marker on, the text is held
 * and parsed when the choice ends. A tail that could be the start of a marker is held until
 * the next token tells.
 */
final class ToolCallSplitter {
    /** Content left over and the calls found in the held text. */
    record Result(String content, List<ParsedToolCall> calls) {}

    /** Parses the held text (from the opening marker to the end). */
    interface Parser {
        /** @return the calls, and any text around them that is content; null when the text holds no valid call */
        Result parse(String heldText);
    }

    private final List<String> markers;
    private final Parser parser;
    private final StringBuilder pending = new StringBuilder();
    private boolean inCall;
    private boolean sawContent;

    /**
     * @param markers texts that open a tool call in this model's format
     * @param atStartOnly markers that count only before any other content (e.g. a bare JSON object)
     */
    ToolCallSplitter(List<String> markers, List<String> atStartOnly, Parser parser) {
        this.markers = markers;
        this.startMarkers = atStartOnly;
        this.parser = parser;
    }

    private final List<String> startMarkers;

    /** Adds generated text; returns what is plain content and can be shown now. */
    String append(String text) {
        pending.append(text);
        if (inCall) return "";
        if (!sawContent) {
            String lead = pending.toString().stripLeading();
            for (String m : startMarkers) {
                if (lead.startsWith(m)) { inCall = true; return ""; }
                if (m.startsWith(lead)) return ""; // could still become the marker
            }
        }
        String s = pending.toString();
        int at = -1;
        for (String m : markers) {
            int i = s.indexOf(m);
            if (i >= 0 && (at < 0 || i < at)) at = i;
        }
        if (at >= 0) {
            String before = s.substring(0, at);
            pending.delete(0, at);
            inCall = true;
            if (!before.isBlank()) sawContent = true;
            return before;
        }
        int hold = 0;
        for (String m : markers) {
            for (int k = Math.min(m.length() - 1, s.length()); k > hold; k--) {
                if (s.regionMatches(s.length() - k, m, 0, k)) { hold = k; break; }
            }
        }
        String out = s.substring(0, s.length() - hold);
        pending.delete(0, s.length() - hold);
        if (!out.isBlank()) sawContent = true;
        return out;
    }

    /** Ends the choice: parses held text; if it holds no valid call it is returned as content. */
    Result finish() {
        String held = pending.toString();
        pending.setLength(0);
        if (!inCall) return new Result(held, List.of());
        Result r = parser.parse(held);
        return r == null ? new Result(held, List.of()) : r;
    }
}

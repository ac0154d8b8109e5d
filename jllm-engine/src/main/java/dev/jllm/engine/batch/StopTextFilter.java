package dev.jllm.engine.batch;

import dev.jllm.tokenizer.Tokenizer;

import java.util.List;

/**
 * Turns a request's tokens into streamed text that never shows a stop string: text is decoded
 * incrementally, a stop string ends it (and is cut off), and any tail that could still become
 * the start of a stop string is held back until it cannot (the same rule as the
 * single-sequence {@code Generator}).
 */
final class StopTextFilter {
    private final Tokenizer.StreamingDecoder decoder;
    private final List<String> stops;
    private final int longestStop;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopTextFilter(Tokenizer.StreamingDecoder decoder, List<String> stops) {
        this.decoder = decoder;
        this.stops = stops;
        int longest = 0;
        for (String s : stops) longest = Math.max(longest, s.length());
        this.longestStop = longest;
    }

    /** Adds a token; returns the text that became safe to show (maybe empty). Sets {@link #stopped()} on a stop string. */
    String add(int id) {
        int before = text.length();
        text.append(decoder.next(id));
        if (cutAtStop(before)) return "";
        return release(text.length() - holdBack());
    }

    /** Ends the text (flushing the decoder when {@code flush}); returns what was not released yet. */
    String finish(boolean flush) {
        if (flush && !stopped) {
            int before = text.length();
            text.append(decoder.flush());
            cutAtStop(before);
        }
        return release(text.length());
    }

    boolean stopped() { return stopped; }
    String text() { return text.toString(); }

    /** Looks for a stop string that could involve characters from {@code from} on. */
    private boolean cutAtStop(int from) {
        if (stops.isEmpty()) return false;
        int scanFrom = Math.max(0, from - longestStop + 1);
        int best = -1;
        for (String stop : stops) {
            int i = text.indexOf(stop, scanFrom);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        if (best < 0) return false;
        text.setLength(best);
        stopped = true;
        return true;
    }

    /** Length of the longest tail of the text that is a proper prefix of some stop string. */
    private int holdBack() {
        int hold = 0, n = text.length();
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, n); k > hold; k--) {
                if (tailEquals(n - k, stop, k)) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }

    private boolean tailEquals(int at, String stop, int k) {
        for (int i = 0; i < k; i++) if (text.charAt(at + i) != stop.charAt(i)) return false;
        return true;
    }

    private String release(int upTo) {
        if (upTo <= emitted) return "";
        String s = text.substring(emitted, upTo);
        emitted = upTo;
        return s;
    }
}

package dev.jllm.engine.tools;

/**
 * Finds where one JSON value ends in text that arrives piece by piece, without parsing it:
 * tracks nesting and strings. A bare scalar (number, true…) ends at the first byte that cannot be
 * part of it, or at the end of input.
 */
final class JsonValueScanner {
    private int depth;
    private boolean inString, escape, started, scalar;

    /**
     * Reads {@code text} from {@code from}; returns the index just past the value's end, or -1 if
     * the value is not complete within the text (state is kept for the next call).
     */
    int scan(CharSequence text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!started) {
                if (Character.isWhitespace(c)) continue;
                started = true;
                if (c == '{' || c == '[') { depth = 1; continue; }
                if (c == '"') { inString = true; continue; }
                scalar = true;
                continue;
            }
            if (scalar) {
                if (c == ',' || c == '}' || c == ']' || Character.isWhitespace(c)) return i;
                continue;
            }
            if (inString) {
                if (escape) escape = false;
                else if (c == '\\') escape = true;
                else if (c == '"') {
                    inString = false;
                    if (depth == 0) return i + 1;
                }
                continue;
            }
            if (c == '"') inString = true;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return -1;
    }

    /** Whether a bare scalar was being read (it is complete at the end of input). */
    boolean inScalar() { return scalar; }
}

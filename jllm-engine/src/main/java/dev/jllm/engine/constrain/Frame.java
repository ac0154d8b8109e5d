package dev.jllm.engine.constrain;

/**
 * One level of the JSON pushdown automaton: what is being read (an object, a key, a string, a
 * number…) and how far. Frames are immutable records, so a state can be copied by reference and
 * compared for the mask cache.
 */
sealed interface Frame permits RootFrame, ObjectFrame, KeyFrame, ArrayFrame, StringFrame, NumberFrame, LiteralFrame {
    /**
     * Whitespace between tokens is limited to nothing, one space, or a newline and at most this many
     * spaces/tabs of indentation (as a pretty-printer writes), so a model cannot loop on blanks.
     */
    int MAX_INDENT = 20;

    /**
     * Reads byte {@code b} with {@code rest} below this frame; adds every resulting stack to
     * {@code out} (none: the byte is not allowed here).
     */
    void step(int b, Stack rest, Sink out);

    /** Whether the input may end with this frame on top (a number or literal that is complete so far). */
    default boolean endable() { return false; }

    static boolean isWhitespace(int b) { return b == ' ' || b == '\n' || b == '\t' || b == '\r'; }

    /**
     * The whitespace state after byte {@code b}, or -1 if not allowed. States: 0 none yet, 1 one
     * space (nothing more), 2 + k a newline and k indentation bytes.
     */
    static int whitespace(int ws, int b) {
        if (ws == 0) return b == ' ' ? 1 : b == '\n' ? 2 : -1;
        return ws >= 2 && (b == ' ' || b == '\t') && ws - 2 < MAX_INDENT ? ws + 1 : -1;
    }

    /** A persistent stack of frames; {@code rest} is shared between states. */
    record Stack(Frame top, Stack rest) {
        void step(int b, Sink out) { top.step(b, rest, out); }

        boolean endable() {
            for (Stack s = this; s != null; s = s.rest) if (!s.top.endable()) return false;
            return true;
        }
    }

    /** Collects the stacks a step produces, without duplicates (usually one or two). */
    final class Sink {
        Stack[] items = new Stack[4];
        int size;

        void add(Stack s) {
            for (int i = 0; i < size; i++) if (items[i].equals(s)) return;
            if (size == items.length) items = java.util.Arrays.copyOf(items, size * 2);
            items[size++] = s;
        }

        void clear() { size = 0; }
    }
}

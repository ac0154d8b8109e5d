package dev.jllm.engine.constrain;

/**
 * One level of the JSON pushdown automaton: what is being read (an object, a key, a string, a
 * number…) and how far. Frames are immutable records, so a state can be copied by reference and
 * compared for the mask cache.
 */
sealed interface Frame permits RootFrame, ObjectFrame, KeyFrame, ArrayFrame, StringFrame, NumberFrame, LiteralFrame {
    /** Most whitespace bytes in one place between tokens (so a model cannot loop on blanks forever). */
    int MAX_WS = 12;

    /**
     * Reads byte {@code b} with {@code rest} below this frame; adds every resulting stack to
     * {@code out} (none: the byte is not allowed here).
     */
    void step(int b, Stack rest, Sink out);

    /** Whether the input may end with this frame on top (a number or literal that is complete so far). */
    default boolean endable() { return false; }

    static boolean isWhitespace(int b) { return b == ' ' || b == '\n' || b == '\t' || b == '\r'; }

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

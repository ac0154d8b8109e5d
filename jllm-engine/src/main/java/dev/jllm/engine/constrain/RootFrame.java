package dev.jllm.engine.constrain;

/**
 * The bottom of every stack: the grammar's sequence of parts (fixed text such as
 * {@code <tool_call>}, and JSON values), possibly repeated.
 *
 * @param part   index of the part being read ({@code parts.length}: a round is complete)
 * @param offset bytes of a text part read so far, or whitespace read before a value / between rounds
 * @param round  rounds completed before this one
 */
record RootFrame(Sequence seq, int part, int offset, int round) implements Frame {

    /** Parts (a {@code byte[]} of fixed text or a {@link SchemaNode}), read {@code 1..maxRounds} times. */
    record Sequence(Object[] parts, int maxRounds) {}

    @Override
    public void step(int b, Stack rest, Sink out) {
        Object[] parts = seq.parts();
        if (part == parts.length) {
            if (round + 1 >= seq.maxRounds()) return;
            if (Frame.isWhitespace(b)) {
                int w = Frame.whitespace(offset, b);
                if (w >= 0) out.add(new Stack(new RootFrame(seq, part, w, round), rest));
                return;
            }
            new RootFrame(seq, 0, 0, round + 1).step(b, rest, out);
            return;
        }
        if (parts[part] instanceof byte[] text) {
            if ((text[offset] & 0xFF) != b) return;
            RootFrame next = offset + 1 == text.length ? new RootFrame(seq, part + 1, 0, round) : new RootFrame(seq, part, offset + 1, round);
            out.add(new Stack(next, rest));
            return;
        }
        if (Frame.isWhitespace(b)) {
            int w = Frame.whitespace(offset, b);
            if (w >= 0) out.add(new Stack(new RootFrame(seq, part, w, round), rest));
            return;
        }
        ValueStart.start((SchemaNode) parts[part], b, new Stack(new RootFrame(seq, part + 1, 0, round), rest), out);
    }

    @Override
    public boolean endable() { return part == seq.parts().length; }
}

package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.SchemaNode.ObjectSchema;

/**
 * Inside an object, between its parts (a key string is read by {@link KeyFrame}).
 *
 * @param seen    declared properties already present (bit per property)
 * @param next    in schema order: the first declared property that may still come
 * @param ws      whitespace bytes read at this position
 * @param pending the schema of the value after the colon (phase {@link #COLON} and {@link #VALUE})
 */
record ObjectFrame(ObjectSchema schema, int phase, long seen, int next, int ws, SchemaNode pending) implements Frame {
    static final int OPEN = 0, COLON = 1, VALUE = 2, AFTER = 3, COMMA = 4;

    static ObjectFrame open(ObjectSchema s) { return new ObjectFrame(s, OPEN, 0L, 0, 0, null); }

    /** The frame after a declared key {@code j} or (j = -1) an additional one. */
    ObjectFrame afterKey(int j) {
        if (j < 0) return new ObjectFrame(schema, COLON, seen, next, 0, schema.additional);
        return new ObjectFrame(schema, COLON, seen | (1L << j), schema.anyOrder ? next : j + 1, 0, schema.values[j]);
    }

    @Override
    public void step(int b, Stack rest, Sink out) {
        if (Frame.isWhitespace(b)) {
            int w = Frame.whitespace(ws, b);
            if (w >= 0) out.add(new Stack(new ObjectFrame(schema, phase, seen, next, w, pending), rest));
            return;
        }
        switch (phase) {
            case OPEN, COMMA -> {
                if (b == '"' && (phase == COMMA || schema.mayContinue(seen, next))) KeyFrame.open(this, rest, out);
                else if (b == '}' && phase == OPEN && schema.mayClose(seen)) out.add(rest);
            }
            case COLON -> {
                if (b == ':') out.add(new Stack(new ObjectFrame(schema, VALUE, seen, next, 0, pending), rest));
            }
            case VALUE -> ValueStart.start(pending, b, new Stack(new ObjectFrame(schema, AFTER, seen, next, 0, null), rest), out);
            case AFTER -> {
                if (b == ',' && schema.mayContinue(seen, next)) out.add(new Stack(new ObjectFrame(schema, COMMA, seen, next, 0, null), rest));
                else if (b == '}' && schema.mayClose(seen)) out.add(rest);
            }
            default -> throw new IllegalStateException("object phase " + phase);
        }
    }
}

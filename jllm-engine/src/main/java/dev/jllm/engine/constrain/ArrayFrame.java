package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.SchemaNode.ArraySchema;

/** Inside an array, between items. {@code count}: items read; {@code ws}: whitespace read here. */
record ArrayFrame(ArraySchema schema, int phase, int count, int ws) implements Frame {
    static final int OPEN = 0, AFTER = 1, COMMA = 2;

    static ArrayFrame open(ArraySchema s) { return new ArrayFrame(s, OPEN, 0, 0); }

    @Override
    public void step(int b, Stack rest, Sink out) {
        if (Frame.isWhitespace(b)) {
            int w = Frame.whitespace(ws, b);
            if (w >= 0) out.add(new Stack(new ArrayFrame(schema, phase, count, w), rest));
            return;
        }
        switch (phase) {
            case OPEN -> {
                if (b == ']') {
                    if (schema.minItems == 0) out.add(rest);
                } else if (schema.maxItems > 0) {
                    item(b, rest, out);
                }
            }
            case AFTER -> {
                if (b == ',' && count < schema.maxItems) out.add(new Stack(new ArrayFrame(schema, COMMA, count, 0), rest));
                else if (b == ']' && count >= schema.minItems) out.add(rest);
            }
            case COMMA -> item(b, rest, out);
            default -> throw new IllegalStateException("array phase " + phase);
        }
    }

    private void item(int b, Stack rest, Sink out) {
        ValueStart.start(schema.items, b, new Stack(new ArrayFrame(schema, AFTER, count + 1, 0), rest), out);
    }
}

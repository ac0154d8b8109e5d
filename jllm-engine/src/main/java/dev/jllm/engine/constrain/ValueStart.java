package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.Frame.Sink;
import dev.jllm.engine.constrain.Frame.Stack;
import dev.jllm.engine.constrain.SchemaNode.Any;

/** The first byte of a value: picks the frame that reads the rest of it (several for a union). */
final class ValueStart {
    private ValueStart() {}

    /** @param parent the stack to return to once the value is complete (already in its after-value phase) */
    static void start(SchemaNode node, int b, Stack parent, Sink out) {
        switch (node) {
            case Any a -> {
                switch (b) {
                    case '{' -> out.add(new Stack(ObjectFrame.open(Any.ANY_OBJECT), parent));
                    case '[' -> out.add(new Stack(ArrayFrame.open(Any.ANY_ARRAY), parent));
                    case '"' -> out.add(new Stack(StringFrame.open(Any.ANY_STRING), parent));
                    default -> {
                        if (b == '-' || (b >= '0' && b <= '9')) NumberFrame.start(SchemaNode.NumberSchema.NUMBER, b, parent, out);
                        else LiteralFrame.start(Any.TRUE_FALSE_NULL, b, parent, out);
                    }
                }
            }
            case SchemaNode.ObjectSchema o -> { if (b == '{') out.add(new Stack(ObjectFrame.open(o), parent)); }
            case SchemaNode.ArraySchema a -> { if (b == '[') out.add(new Stack(ArrayFrame.open(a), parent)); }
            case SchemaNode.StringSchema s -> { if (b == '"') out.add(new Stack(StringFrame.open(s), parent)); }
            case SchemaNode.NumberSchema n -> NumberFrame.start(n, b, parent, out);
            case SchemaNode.Literals l -> LiteralFrame.start(l, b, parent, out);
            case SchemaNode.Union u -> { for (SchemaNode alt : u.alternatives) start(alt, b, parent, out); }
            case SchemaNode.Ref r -> start(r.target, b, parent, out);
        }
    }
}

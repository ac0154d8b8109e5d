package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.SchemaNode.Literals;

/**
 * Inside one of a fixed set of value texts (enum, const, true/false/null). A text that is a
 * prefix of another (enum [1, 12]) ends, like a number, where a byte that cannot continue it arrives.
 */
record LiteralFrame(Literals schema, int node) implements Frame {

    static void start(Literals s, int b, Stack parent, Sink out) {
        new LiteralFrame(s, 0).step(b, parent, out);
    }

    @Override
    public void step(int b, Stack rest, Sink out) {
        ByteTrie t = schema.texts;
        int c = t.child(node, b);
        if (c >= 0) {
            if (t.terminal(c) >= 0 && !t.hasChildren(c)) out.add(rest);
            else out.add(new Stack(new LiteralFrame(schema, c), rest));
        } else if (node != 0 && endable()) {
            rest.step(b, out);
        }
    }

    @Override
    public boolean endable() { return schema.texts.terminal(node) >= 0; }
}

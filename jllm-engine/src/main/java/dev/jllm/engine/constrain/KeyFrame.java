package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.SchemaNode.ObjectSchema;

/**
 * Inside a property name. Two readings may run side by side: a declared name (following the
 * schema's key trie, limited to the properties allowed next) and an additional property (any
 * string without escapes that is not a declared name; {@code node} then still follows the trie,
 * or is -1 once off it, to tell a declared name apart).
 *
 * @param owner the object this key belongs to (replaced by its after-key frame when the key ends)
 * @param node  position in the owner's key trie (the opening quote included), or -1
 * @param extra reading an additional property name
 * @param utf8  pending UTF-8 continuation state ({@link Utf8}), 0 between characters
 */
record KeyFrame(ObjectFrame owner, int node, boolean extra, int utf8) implements Frame {

    /** Called on the opening quote. */
    static void open(ObjectFrame owner, Stack rest, Sink out) {
        ObjectSchema s = owner.schema();
        int n = s.keys.child(0, '"');
        long cand = s.candidates(owner.seen(), owner.next());
        if (n >= 0 && (s.keys.below(n) & cand) != 0) out.add(new Stack(new KeyFrame(owner, n, false, 0), rest));
        if (s.additional != null) out.add(new Stack(new KeyFrame(owner, n, true, 0), rest));
    }

    @Override
    public void step(int b, Stack rest, Sink out) {
        ByteTrie keys = owner.schema().keys;
        if (!extra) {
            int c = keys.child(node, b);
            if (c < 0) return;
            long cand = owner.schema().candidates(owner.seen(), owner.next());
            if ((keys.below(c) & cand) == 0) return;
            int j = keys.terminal(c);
            // Names are quoted and a quote inside one is escaped, so a complete name is a leaf.
            out.add(j >= 0 ? new Stack(owner.afterKey(j), rest) : new Stack(new KeyFrame(owner, c, false, 0), rest));
            return;
        }
        int c = node < 0 ? -1 : keys.child(node, b);
        if (utf8 != 0) {
            int u = Utf8.continuation(utf8, b);
            if (u >= 0) out.add(new Stack(new KeyFrame(owner, c, true, u), rest));
            return;
        }
        if (b == '"') {
            if (c >= 0 && keys.terminal(c) >= 0) return; // that is a declared name
            out.add(new Stack(owner.afterKey(-1), rest));
            return;
        }
        if (b < 0x20 || b == '\\') return; // no escapes in additional names (keeps declared names unambiguous)
        int u = Utf8.lead(b);
        if (u >= 0) out.add(new Stack(new KeyFrame(owner, c, true, u), rest));
    }
}

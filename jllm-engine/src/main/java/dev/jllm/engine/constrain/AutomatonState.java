package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.Frame.Sink;
import dev.jllm.engine.constrain.Frame.Stack;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where the automaton is after some bytes: the set of stacks still alive (more than one only
 * while alternatives of an anyOf, or a declared and an additional key, both fit). Immutable;
 * equal states allow the same continuations, which is what the mask cache relies on.
 */
public final class AutomatonState {
    final Stack[] stacks;
    private final int hash;

    AutomatonState(Stack[] stacks) {
        this.stacks = stacks;
        this.hash = Arrays.hashCode(stacks);
    }

    /** The state after byte {@code b} (0..255), or null if the byte is not allowed. */
    public AutomatonState step(int b) {
        Sink out = new Sink();
        for (Stack s : stacks) s.step(b, out);
        return out.size == 0 ? null : new AutomatonState(Arrays.copyOf(out.items, out.size));
    }

    /** The state after all of {@code bytes}, or null if they leave the language. */
    public AutomatonState step(byte[] bytes) {
        AutomatonState s = this;
        for (int i = 0; i < bytes.length && s != null; i++) s = s.step(bytes[i] & 0xFF);
        return s;
    }

    public AutomatonState step(String text) { return step(text.getBytes(StandardCharsets.UTF_8)); }

    /** Whether the text so far is a complete sentence of the grammar (end of sequence may come now). */
    public boolean isComplete() {
        for (Stack s : stacks) if (s.endable()) return true;
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AutomatonState a && a.hash == hash && Arrays.equals(a.stacks, stacks);
    }

    @Override
    public int hashCode() { return hash; }
}

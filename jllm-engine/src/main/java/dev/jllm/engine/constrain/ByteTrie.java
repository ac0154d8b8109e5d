package dev.jllm.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small trie over the UTF-8 bytes of a few strings (property names, enum texts). Node 0 is the
 * root. Each node knows which string ends there and, for the first 64 strings, which strings
 * lie below it, so a walk can be limited to a subset.
 */
final class ByteTrie {
    private final List<int[]> edges = new ArrayList<>(); // per node: pairs (byte, child)
    private final List<Integer> terminal = new ArrayList<>();
    private final List<Long> below = new ArrayList<>();

    private ByteTrie() { addNode(); }

    static ByteTrie of(String... texts) {
        ByteTrie t = new ByteTrie();
        for (int s = 0; s < texts.length; s++) {
            byte[] b = texts[s].getBytes(StandardCharsets.UTF_8);
            int node = 0;
            t.mark(node, s);
            for (byte x : b) {
                int c = t.child(node, x & 0xFF);
                if (c < 0) c = t.addChild(node, x & 0xFF);
                node = c;
                t.mark(node, s);
            }
            if (t.terminal.get(node) < 0) t.terminal.set(node, s); // a duplicate keeps the first index
        }
        return t;
    }

    /** The child of {@code node} along byte {@code b}, or -1. */
    int child(int node, int b) {
        int[] e = edges.get(node);
        for (int i = 0; i < e.length; i += 2) if (e[i] == b) return e[i + 1];
        return -1;
    }

    boolean hasChildren(int node) { return edges.get(node).length > 0; }

    /** The index of the string that ends at {@code node}, or -1. */
    int terminal(int node) { return terminal.get(node); }

    /** Bit i set: string i (i < 64) passes through {@code node}. */
    long below(int node) { return below.get(node); }

    private void mark(int node, int s) {
        if (s < 64) below.set(node, below.get(node) | (1L << s));
    }

    private int addNode() {
        edges.add(new int[0]);
        terminal.add(-1);
        below.add(0L);
        return edges.size() - 1;
    }

    private int addChild(int node, int b) {
        int c = addNode();
        int[] e = edges.get(node);
        int[] n = Arrays.copyOf(e, e.length + 2);
        n[e.length] = b;
        n[e.length + 1] = c;
        edges.set(node, n);
        return c;
    }
}

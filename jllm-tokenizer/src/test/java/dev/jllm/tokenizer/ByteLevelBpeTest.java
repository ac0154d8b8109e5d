package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pieces of ByteLevelBpe checked against the JDK or the GPT-2 spec, and tokenizer.json loading details. */
class ByteLevelBpeTest {

    /** The strict UTF-8 check used for the whole-piece table agrees with the JDK's REPORTing decoder. */
    @Test
    void utf8ValidityAgreesWithTheJdk() {
        Random r = new Random(7);
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder();
        for (int t = 0; t < 200_000; t++) {
            byte[] random = new byte[1 + r.nextInt(5)];
            r.nextBytes(random);
            int cp = r.nextInt(0x110000);
            byte[] b = t % 3 == 0 && (cp < 0xD800 || cp > 0xDFFF)
                    ? new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8) : random;
            boolean expected;
            try {
                strict.reset().decode(ByteBuffer.wrap(b));
                expected = true;
            } catch (CharacterCodingException e) {
                expected = false;
            }
            assertEquals(expected, ByteLevelBpe.isValidUtf8(b), () -> java.util.Arrays.toString(b));
        }
    }

    /** GPT-2's published mapping: printable bytes are themselves, the space is U+0120 'Ġ', newline U+010A 'Ċ'. */
    @Test
    void byteAlphabet() {
        assertEquals('Ġ', ByteLevelBpeAlphabet.charOf(' '));
        assertEquals('Ċ', ByteLevelBpeAlphabet.charOf('\n'));
        assertEquals('A', ByteLevelBpeAlphabet.charOf('A'));
        assertEquals('ł', ByteLevelBpeAlphabet.charOf(0xA0));
        assertEquals('Ń', ByteLevelBpeAlphabet.charOf(0xAD));
        for (int b = 0; b < 256; b++) assertEquals(b, ByteLevelBpeAlphabet.byteOf(ByteLevelBpeAlphabet.charOf(b)));
        assertEquals(-1, ByteLevelBpeAlphabet.byteOf('€'));
    }

    /** A tiny hand-made BPE: merges apply by rank, not by position (rank 0 "b c" before rank 1 "a b"). */
    @Test
    void mergesApplyByRank() {
        String[] vocab = {"a", "b", "c", "bc", "ab", "abc"};
        ByteLevelBpe t = ByteLevelBpe.builder().vocab(vocab)
                .merges(List.of(new String[]{"b", "c"}, new String[]{"a", "b"}, new String[]{"a", "bc"}))
                .preTokenizer(PreTokenizer.forPattern(PreTokenizer.GPT2)).build();
        assertArrayEquals(new int[]{5}, t.encode("abc"));
        assertArrayEquals(new int[]{4}, t.encode("ab"));
        // a b c b c → a bc b c → a bc bc → abc bc (by position "a b" would merge first)
        assertArrayEquals(new int[]{5, 3}, t.encode("abcbc"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteLevelBpe.builder().vocab(vocab)
                .merges(List.<String[]>of(new String[]{"c", "a"})));
        assertTrue(e.getMessage().contains("merge 0"), e.getMessage());
    }

    /** tokenizer_config.json beside tokenizer.json names BOS and EOS. */
    @Test
    void configNamesBosAndEos(@TempDir Path dir) throws Exception {
        ObjectNode root = (ObjectNode) TokenizerJsonBpeGoldenTest.tokenizerJson("llama3");
        Files.writeString(dir.resolve("tokenizer.json"), root.toString());
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": {\"content\": \"<|eot_id|>\"}}");
        Tokenizer t = Tokenizers.load(dir);
        assertEquals(128000, t.bosId());
        assertEquals(128009, t.eosId());
        Files.delete(dir.resolve("tokenizer_config.json"));
        t = Tokenizers.load(dir);
        assertEquals(128000, t.bosId());
        assertEquals(128001, t.eosId());
    }

    /** Encoding from several threads at once (each has its own piece cache) gives the single-threaded ids. */
    @Test
    void threadSafe() throws Exception {
        ByteLevelBpe t = TiktokenJtokkitParityTest.load("cl100k_base");
        List<String> texts = ByteLevelBpeTestCorpus.jdkSources(200_000);
        List<int[]> expected = texts.stream().map(t::encode).toList();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int k = 0; k < 4; k++) {
                int offset = k;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < texts.size(); i++) {
                        int j = (i + offset * 7) % texts.size();
                        if (!java.util.Arrays.equals(expected.get(j), t.encode(texts.get(j)))) return false;
                    }
                    return true;
                }));
            }
            for (var f : results) assertTrue(f.get());
        }
    }

    @Test
    void badTokenizerJsonIsReported(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"Unigram\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(f));
        assertTrue(e.getMessage().contains("Unigram"), e.getMessage());
        Files.writeString(f, "{\"model\": ");
        java.io.IOException io = assertThrows(java.io.IOException.class, () -> Tokenizers.load(f));
        assertTrue(io.getMessage().contains("not valid JSON"), io.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Tokenizers.load(dir.resolve("missing")));
        Files.writeString(f, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
                + "\"decoder\": {\"type\": \"ByteLevel\"}, \"pre_tokenizer\": {\"type\": \"Whitespace\"}}");
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.load(f));
        assertTrue(e.getMessage().contains("Whitespace"), e.getMessage());
    }
}

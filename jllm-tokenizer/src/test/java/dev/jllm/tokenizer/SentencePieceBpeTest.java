package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-built vocabularies checking the SentencePiece rules one at a time. */
class SentencePieceBpeTest {

    /** A GGUF-style vocabulary: control tokens, all 256 byte tokens, then the given pieces. */
    private static Map<String, Object> gguf(boolean addSpacePrefix, Object[]... pieces) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            scores.add(0f);
            types.add(6);
        }
        for (Object[] p : pieces) {
            tokens.add((String) p[0]);
            scores.add(((Number) p[1]).floatValue());
            types.add((Integer) p[2]);
        }
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            t[i] = types.get(i);
        }
        Map<String, Object> kv = new HashMap<>();
        kv.put("tokenizer.ggml.model", "llama");
        kv.put("tokenizer.ggml.tokens", tokens.toArray(String[]::new));
        kv.put("tokenizer.ggml.scores", s);
        kv.put("tokenizer.ggml.token_type", t);
        kv.put("tokenizer.ggml.bos_token_id", 1L);
        kv.put("tokenizer.ggml.eos_token_id", 2L);
        kv.put("tokenizer.ggml.unknown_token_id", 0L);
        kv.put("tokenizer.ggml.add_space_prefix", addSpacePrefix);
        return kv;
    }

    private static int[] ids(Tokenizer t, String... pieces) {
        int[] out = new int[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            out[i] = t.id(pieces[i]);
            assertTrue(out[i] >= 0, pieces[i]);
        }
        return out;
    }

    @Test
    void highestScoreMergesFirstLeftmostOnTies() {
        // "abc": ab (score -1) and bc (score -2) compete; ab wins, then abc is not a piece.
        SentencePieceBpe t = SentencePieceBpe.fromGgufMetadata(gguf(false,
                new Object[]{"a", -10, 1}, new Object[]{"b", -10, 1}, new Object[]{"c", -10, 1},
                new Object[]{"ab", -1, 1}, new Object[]{"bc", -2, 1}, new Object[]{"aa", -3, 1}));
        assertArrayEquals(ids(t, "ab", "c"), t.encode("abc"));
        // Equal scores: the leftmost pair merges first.
        assertArrayEquals(ids(t, "aa", "a"), t.encode("aaa"));
        // 0.0 and -0.0 are equal scores: position decides.
        SentencePieceBpe z = SentencePieceBpe.fromGgufMetadata(gguf(false,
                new Object[]{"a", -10, 1}, new Object[]{"b", -10, 1}, new Object[]{"ab", -0.0f, 1}, new Object[]{"ba", 0.0f, 1}));
        assertArrayEquals(ids(z, "ab", "a"), z.encode("aba"));
    }

    @Test
    void unusedPieceTakesPartInMergesButIsSplitBack() {
        SentencePieceBpe t = SentencePieceBpe.fromGgufMetadata(gguf(false,
                new Object[]{"a", -10, 1}, new Object[]{"b", -10, 1},
                new Object[]{"ab", 5, 5}, new Object[]{"abb", 1, 1}));
        assertArrayEquals(ids(t, "a", "b"), t.encode("ab"));
        assertArrayEquals(ids(t, "abb"), t.encode("abb"));
    }

    @Test
    void unknownCharactersFallBackToBytes() {
        SentencePieceBpe t = SentencePieceBpe.fromGgufMetadata(gguf(true, new Object[]{"\u2581", -1, 1}, new Object[]{"x", -1, 1}));
        assertArrayEquals(ids(t, "\u2581", "<0xC3>", "<0xA9>", "x"), t.encode("éx"));
        assertEquals("éx", t.decode(t.encode("éx")));
    }

    @Test
    void spacePrefixAfterEverySpecialToken() {
        SentencePieceBpe t = SentencePieceBpe.fromGgufMetadata(gguf(true,
                new Object[]{"\u2581", -5, 1}, new Object[]{"a", -5, 1}, new Object[]{"\u2581a", -1, 1},
                new Object[]{"<", -5, 1}, new Object[]{"s", -5, 1}, new Object[]{">", -5, 1}));
        assertArrayEquals(new int[]{t.id("\u2581a"), 1, t.id("\u2581a")}, t.encode("a<s>a", false, true));
        assertArrayEquals(ids(t, "\u2581a", "<", "s", ">", "a"), t.encode("a<s>a", false, false));
        assertArrayEquals(new int[]{1, t.id("\u2581a")}, t.encode("a", true, true));
        assertEquals("<s> a", t.decode(new int[]{1, t.id("\u2581a")}));
        assertEquals("a", t.decode(new int[]{1, t.id("\u2581a")}, true));
        assertTrue(t.isSpecial(1));
        assertFalse(t.isSpecial(t.id("a")));
    }

    @Test
    void streamingHoldsBackSplitCharacters() {
        SentencePieceBpe t = SentencePieceBpe.fromGgufMetadata(gguf(true, new Object[]{"\u2581", -1, 1}, new Object[]{"\u2581a", -1, 1}));
        int[] ids = t.encode("a 日");
        assertArrayEquals(ids(t, "\u2581a", "\u2581", "<0xE6>", "<0x97>", "<0xA5>"), ids);
        Tokenizer.StreamingDecoder d = t.streamingDecoder();
        assertEquals("a", d.next(ids[0]));
        assertEquals(" ", d.next(ids[1]));
        assertEquals("", d.next(ids[2]));
        assertEquals("", d.next(ids[3]));
        assertEquals("日", d.next(ids[4]));
        assertEquals("", d.flush());
        Tokenizer.StreamingDecoder cut = t.streamingDecoder();
        cut.next(ids[2]);
        assertEquals("\uFFFD", cut.flush());
    }

    @Test
    void badMetadataIsNamed() {
        Map<String, Object> kv = gguf(true);
        kv.put("tokenizer.ggml.model", "gpt2");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePieceBpe.fromGgufMetadata(kv))
                .getMessage().contains("tokenizer.ggml.model"));
        Map<String, Object> scores = gguf(true);
        scores.put("tokenizer.ggml.scores", new float[3]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePieceBpe.fromGgufMetadata(scores))
                .getMessage().contains("tokenizer.ggml.scores: expected 259 entries"));
        Map<String, Object> types = gguf(true);
        ((int[]) types.get("tokenizer.ggml.token_type"))[5] = 9;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePieceBpe.fromGgufMetadata(types))
                .getMessage().contains("token_type[5] = 9"));
        Map<String, Object> bos = gguf(true);
        bos.put("tokenizer.ggml.bos_token_id", 100000L);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePieceBpe.fromGgufMetadata(bos))
                .getMessage().contains("bos_token_id = 100000"));
        SentencePieceBpe t = SentencePieceBpe.fromGgufMetadata(gguf(true));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[]{-1}));
    }

    @Test
    void tokenizerJsonSpecialTextStaysTextWithoutSpecialParsing() {
        SentencePieceBpe t = SentencePieceBpe.fromTokenizerJson(SpmWordPieceFixtures.gz("/spm/llama2-tokenizer.json.gz"));
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        int[] parsed = t.encode("<s>hi", false, true);
        assertEquals(1, parsed[0]);
        int[] literal = t.encode("<s>hi", false, false);
        for (int id : literal) assertFalse(t.isSpecial(id), "special id " + id + " in " + java.util.Arrays.toString(literal));
        assertEquals("<s>hi", t.decode(literal));
    }

    @Test
    void bosAndEosFromTokenizerConfig() throws Exception {
        JsonNode root = SpmWordPieceFixtures.gz("/spm/llama2-tokenizer.json.gz");
        JsonNode config = SpmWordPieceFixtures.JSON.readTree("{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"<unk>\"}");
        SentencePieceBpe t = SentencePieceBpe.fromTokenizerJson(root, config);
        assertEquals(1, t.bosId());
        assertEquals(0, t.eosId());
        JsonNode bad = SpmWordPieceFixtures.JSON.readTree("{\"eos_token\": \"<|nope|>\"}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SentencePieceBpe.fromTokenizerJson(root, bad))
                .getMessage().contains("eos_token '<|nope|>'"));
    }
}

package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static dev.jllm.tokenizer.SpmWordPieceFixtures.gz;
import static dev.jllm.tokenizer.SpmWordPieceFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WordPieceTest {

    /** The vocab.txt route (BERT defaults) gives Hugging Face's ids for MiniLM's vocabulary. */
    @Test
    void vocabTxtWithBertDefaultsMatchesHuggingFace(@TempDir Path dir) throws Exception {
        JsonNode vocab = gz("/wordpiece/all-minilm-l6-v2-tokenizer.json.gz").path("model").path("vocab");
        String[] lines = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            lines[e.getValue().asInt()] = e.getKey();
        }
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        WordPiece tok = WordPiece.fromVocabTxt(file, true);
        JsonNode fixture = gz("/wordpiece/minilm-goldens.json.gz");
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (JsonNode c : fixture.get("cases")) {
            m.checkIds(ints(c.get("ids_special")), tok.encode(c.get("text").asText(), true, true), "'" + SpmWordPieceFixtures.escape(c.get("text").asText()) + "'");
        }
        for (JsonNode p : fixture.get("pairs")) {
            if (p.has("strategy")) continue; // OnlyFirst/OnlySecond: covered by WordPieceGoldenTest
            int max = p.get("max_length").asInt();
            WordPiece.Encoding e = max == 0 ? tok.encodePair(p.get("a").asText(), p.get("b").asText())
                    : tok.encodePair(p.get("a").asText(), p.get("b").asText(), max);
            m.checkIds(ints(p.get("type_ids")), e.typeIds(), "pair type ids");
        }
        assertEquals(0, m.count(), m.report());
        assertEquals(512, tok.maxLength());
    }

    /**
     * GGUF metadata as llama.cpp's converter writes a BERT vocabulary ("phantom space": ▁ before
     * word-initial pieces, ## dropped from continuations, [..] specials kept) gives Hugging
     * Face's ids for MiniLM.
     */
    @Test
    void ggufBertVocabularyMatchesHuggingFace() {
        checkGgufBert(false);
        checkGgufBert(true);
    }

    /** @param newerConverter control tokens kept as they are, every other token phantom-spaced ([unused0] too) */
    private static void checkGgufBert(boolean newerConverter) {
        JsonNode vocab = gz("/wordpiece/all-minilm-l6-v2-tokenizer.json.gz").path("model").path("vocab");
        String[] tokens = new String[vocab.size()];
        int[] types = new int[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String t = e.getKey();
            int id = e.getValue().asInt();
            boolean bracketed = t.startsWith("[") && t.endsWith("]");
            boolean control = bracketed && !t.startsWith("[unused");
            types[id] = control ? 3 : 1;
            boolean keep = newerConverter ? control : bracketed;
            tokens[id] = keep ? t : t.startsWith("##") ? t.substring(2) : "\u2581" + t;
        }
        Map<String, Object> kv = new java.util.HashMap<>();
        kv.put("tokenizer.ggml.model", "bert");
        kv.put("tokenizer.ggml.tokens", tokens);
        kv.put("tokenizer.ggml.token_type", types);
        kv.put("tokenizer.ggml.cls_token_id", 101L);
        kv.put("tokenizer.ggml.seperator_token_id", 102L);
        kv.put("tokenizer.ggml.unknown_token_id", 100L);
        WordPiece tok = WordPiece.fromGgufMetadata(kv);
        JsonNode fixture = gz("/wordpiece/minilm-goldens.json.gz");
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            int[] ids = ints(c.get("ids_special"));
            m.checkIds(ids, tok.encode(text, true, true), "'" + SpmWordPieceFixtures.escape(text) + "'");
            m.checkText(c.get("decoded_special_skip").asText(), tok.decode(ids, true), "decode '" + SpmWordPieceFixtures.escape(text) + "'");
        }
        assertEquals(0, m.count(), m.report());
        assertEquals("##ing", tok.piece(tok.id("##ing")));
    }

    /** Greedy longest-match-first with ## continuations, on a hand-made vocabulary. */
    @Test
    void greedyLongestMatchFirst(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, String.join("\n", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                "un", "una", "##ff", "##aff", "##able", "##a", "##ble", ",", "x") + "\n");
        WordPiece tok = WordPiece.fromVocabTxt(file, true);
        // The longest prefix wins even when a shorter one would let the rest match better.
        assertArrayEquals(new int[]{6, 7, 9}, tok.encode("UnAffable"));
        // One character no piece covers turns the whole word into [UNK]; other words are unaffected.
        assertArrayEquals(new int[]{2, 1, 12, 13, 3}, tok.encode("unx, x", true, true));
        // More than 100 characters: [UNK] without trying.
        assertArrayEquals(new int[]{1}, tok.encode("una" + "##a".replace("#", "").repeat(98)));
        assertArrayEquals(new int[]{6}, tok.encode("una"));
        assertEquals("unaffable, x", tok.decode(new int[]{6, 7, 9, 12, 13}));
        assertEquals(2, tok.bosId());
        assertEquals(3, tok.eosId());
        assertEquals(1, tok.unkId());
        WordPiece minilm = WordPiece.fromTokenizerJson(gz("/wordpiece/all-minilm-l6-v2-tokenizer.json.gz"));
        assertEquals(128, minilm.maxLength()); // MiniLM's tokenizer.json truncation setting
    }

    @Test
    void truncationNeedsRoomForSpecialTokens() {
        WordPiece tok = WordPiece.fromTokenizerJson(gz("/wordpiece/all-minilm-l6-v2-tokenizer.json.gz"));
        assertThrows(IllegalArgumentException.class, () -> tok.encodePair("a", "b", 2));
        assertThrows(IllegalArgumentException.class, () -> tok.encode("a", 1));
        assertArrayEquals(new int[]{101, 102}, tok.encode("hello world", 2));
        WordPiece.Encoding e = tok.encodePair("hello", "world", 3);
        assertArrayEquals(new int[]{101, 102, 102}, e.ids());
        assertArrayEquals(new int[]{0, 0, 1}, e.typeIds());
        assertArrayEquals(new int[]{1, 1, 1}, e.attentionMask());
    }
}

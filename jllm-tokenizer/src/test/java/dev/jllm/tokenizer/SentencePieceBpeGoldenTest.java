package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static dev.jllm.tokenizer.SpmWordPieceFixtures.concat;
import static dev.jllm.tokenizer.SpmWordPieceFixtures.escape;
import static dev.jllm.tokenizer.SpmWordPieceFixtures.gz;
import static dev.jllm.tokenizer.SpmWordPieceFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * SentencePieceBpe against independent references: Google's sentencepiece for the GGUF path
 * (tools/tokenizer-spm-wordpiece/make_spm_gguf_goldens.py) and Hugging Face tokenizers for the
 * tokenizer.json path (make_goldens.mjs), over ~300 Brown paragraphs and edge cases.
 */
class SentencePieceBpeGoldenTest {

    /** The GGUF metadata map as the GGUF reader returns it: Long scalars, primitive arrays. */
    static Map<String, Object> ggufMap(JsonNode g) {
        Map<String, Object> kv = new HashMap<>();
        JsonNode tokens = g.get("tokenizer.ggml.tokens");
        String[] t = new String[tokens.size()];
        for (int i = 0; i < t.length; i++) t[i] = tokens.get(i).asText();
        JsonNode scores = g.get("tokenizer.ggml.scores");
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = (float) scores.get(i).asDouble();
        kv.put("tokenizer.ggml.model", g.get("tokenizer.ggml.model").asText());
        kv.put("tokenizer.ggml.tokens", t);
        kv.put("tokenizer.ggml.scores", s);
        kv.put("tokenizer.ggml.token_type", ints(g.get("tokenizer.ggml.token_type")));
        for (String k : new String[]{"bos_token_id", "eos_token_id", "unknown_token_id"}) {
            kv.put("tokenizer.ggml." + k, g.get("tokenizer.ggml." + k).asLong());
        }
        for (String k : new String[]{"add_bos_token", "add_eos_token", "add_space_prefix"}) {
            kv.put("tokenizer.ggml." + k, g.get("tokenizer.ggml." + k).asBoolean());
        }
        return kv;
    }

    @Test
    void ggufVocabularyMatchesSentencePiece() {
        checkGguf("/spm/spm-bpe-brown-goldens.json.gz");
    }

    /** Gemma-style metadata: add_space_prefix false, add_eos_token true. */
    @Test
    void ggufVocabularyWithoutSpacePrefixMatchesSentencePiece() {
        checkGguf("/spm/spm-bpe-brown-nospace-goldens.json.gz");
    }

    private static void checkGguf(String resource) {
        JsonNode fixture = gz(resource);
        JsonNode meta = fixture.get("gguf");
        SentencePieceBpe tok = SentencePieceBpe.fromGgufMetadata(ggufMap(meta));
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        int bos = tok.bosId();
        assertEquals(1, bos);
        assertEquals(2, tok.eosId());
        int[] eos = meta.get("tokenizer.ggml.add_eos_token").asBoolean() ? new int[]{2} : new int[0];
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            String label = "'" + escape(text) + "'";
            int[] ids = ints(c.get("ids"));
            int[] idsSpecial = ints(c.get("ids_parse_special"));
            m.checkIds(ids, tok.encode(text, false, false), "encode " + label);
            m.checkIds(idsSpecial, tok.encode(text, false, true), "encode parseSpecial " + label);
            m.checkIds(concat(concat(new int[]{bos}, idsSpecial), eos), tok.encode(text, true, true), "encode +BOS " + label);
            m.checkText(c.get("decoded").asText(), tok.decode(ids, true), "decode " + label);
            m.checkText(c.get("decoded").asText(), tok.decode(concat(new int[]{bos}, ids), true), "decode skipping BOS " + label);
            m.checkText(c.get("decoded").asText(), stream(tok.streamingDecoder(true), ids), "stream " + label);
            // Round trip: holds unless a user-defined token inside the text got its own prefix space,
            // or the text has a literal U+2581 (which SentencePiece cannot tell from a space).
            boolean prefixAfterUserToken = meta.get("tokenizer.ggml.add_space_prefix").asBoolean()
                    && (text.contains("<tool>") || text.contains("@@"));
            if (!prefixAfterUserToken && !text.contains("\u2581")) m.checkText(text, tok.decode(tok.encode(text, false, false)), "round trip " + label);
        }
        assertEquals(0, m.count(), m.report());
    }

    @Test
    void llama2TokenizerJsonMatchesHuggingFace() {
        checkTokenizerJson("llama2");
    }

    @Test
    void gemma3TokenizerJsonMatchesHuggingFace() {
        checkTokenizerJson("gemma3");
    }

    private static void checkTokenizerJson(String name) {
        SentencePieceBpe tok = SentencePieceBpe.fromTokenizerJson(gz("/spm/" + name + "-tokenizer.json.gz"));
        JsonNode fixture = gz("/spm/" + name + "-goldens.json.gz");
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            String label = name + " '" + escape(text) + "'";
            int[] ids = ints(c.get("ids"));
            int[] idsSpecial = ints(c.get("ids_special"));
            m.checkIds(ids, tok.encode(text), "encode " + label);
            m.checkIds(idsSpecial, tok.encode(text, true, true), "encode +special " + label);
            m.checkText(c.get("decoded").asText(), tok.decode(ids), "decode " + label);
            m.checkText(c.get("decoded_special").asText(), tok.decode(idsSpecial), "decode special " + label);
            m.checkText(c.get("decoded_special_skip").asText(), tok.decode(idsSpecial, true), "decode skip special " + label);
            m.checkText(c.get("decoded_special").asText(), stream(tok.streamingDecoder(), idsSpecial), "stream " + label);
            if (!text.contains("\u2581")) m.checkText(text, tok.decode(tok.encode(text, false, false)), "round trip " + label);
        }
        for (JsonNode d : fixture.get("decodes")) {
            m.checkText(d.get("decoded").asText(), tok.decode(ints(d.get("ids"))), name + " decode " + d.get("ids"));
        }
        assertEquals(0, m.count(), m.report());
    }

    /** Newer Llama/Mistral layout: Metaspace pre-tokenizer (first/always/never, split or not) and decoder. */
    @Test
    void metaspaceVariantsMatchHuggingFace() {
        JsonNode fixture = gz("/spm/llama2-metaspace-goldens.json.gz");
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (var variant : (Iterable<Map.Entry<String, JsonNode>>) () -> fixture.get("variants").fields()) {
            com.fasterxml.jackson.databind.node.ObjectNode root =
                    (com.fasterxml.jackson.databind.node.ObjectNode) gz("/spm/llama2-tokenizer.json.gz");
            variant.getValue().get("fields").fields().forEachRemaining(f -> root.set(f.getKey(), f.getValue()));
            SentencePieceBpe tok = SentencePieceBpe.fromTokenizerJson(root);
            for (JsonNode c : variant.getValue().get("cases")) {
                String text = c.get("text").asText();
                String label = variant.getKey() + " '" + escape(text) + "'";
                int[] ids = ints(c.get("ids_special"));
                m.checkIds(ids, tok.encode(text, true, true), "encode " + label);
                m.checkText(c.get("decoded_special").asText(), tok.decode(ids), "decode " + label);
                m.checkText(c.get("decoded_special_skip").asText(), tok.decode(ids, true), "decode skip " + label);
                m.checkText(c.get("decoded_special").asText(), stream(tok.streamingDecoder(), ids), "stream " + label);
            }
        }
        assertEquals(0, m.count(), m.report());
    }

    static String stream(Tokenizer.StreamingDecoder d, int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) b.append(d.next(id));
        return b.append(d.flush()).toString();
    }
}

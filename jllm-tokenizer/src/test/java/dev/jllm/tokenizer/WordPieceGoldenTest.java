package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.jllm.tokenizer.SpmWordPieceFixtures.escape;
import static dev.jllm.tokenizer.SpmWordPieceFixtures.gz;
import static dev.jllm.tokenizer.SpmWordPieceFixtures.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * WordPiece against Hugging Face tokenizers on all-MiniLM-L6-v2's tokenizer.json
 * (tools/tokenizer-spm-wordpiece/make_goldens.mjs): ids with and without [CLS]/[SEP], decode,
 * pairs with token type ids, LongestFirst truncation.
 */
class WordPieceGoldenTest {
    static WordPiece tok;
    static JsonNode fixture;

    @BeforeAll
    static void load() {
        tok = WordPiece.fromTokenizerJson(gz("/wordpiece/all-minilm-l6-v2-tokenizer.json.gz"));
        fixture = gz("/wordpiece/minilm-goldens.json.gz");
    }

    @Test
    void singleTextsMatchHuggingFace() {
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            String label = "'" + escape(text) + "'";
            int[] ids = ints(c.get("ids")), idsSpecial = ints(c.get("ids_special"));
            m.checkIds(ids, tok.encode(text), "encode " + label);
            m.checkIds(idsSpecial, tok.encode(text, true, true), "encode +special " + label);
            m.checkText(c.get("decoded").asText(), tok.decode(ids), "decode " + label);
            m.checkText(c.get("decoded_special").asText(), tok.decode(idsSpecial), "decode special " + label);
            m.checkText(c.get("decoded_special_skip").asText(), tok.decode(idsSpecial, true), "decode skip special " + label);
            m.checkText(c.get("decoded_special").asText(), SentencePieceBpeGoldenTest.stream(tok.streamingDecoder(), idsSpecial), "stream " + label);
        }
        assertEquals(0, m.count(), m.report());
    }

    @Test
    void pairsAndTruncationMatchHuggingFace() {
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (JsonNode p : fixture.get("pairs")) {
            String a = p.get("a").asText(), b = p.get("b").asText();
            int max = p.get("max_length").asInt();
            String strategy = p.path("strategy").asText("LongestFirst");
            WordPiece.Truncation t = switch (strategy) {
                case "OnlyFirst" -> WordPiece.Truncation.ONLY_FIRST;
                case "OnlySecond" -> WordPiece.Truncation.ONLY_SECOND;
                default -> WordPiece.Truncation.LONGEST_FIRST;
            };
            String label = "pair " + strategy + " max=" + max + " '" + escape(a) + "' / '" + escape(b) + "'";
            if (p.get("ids").isNull()) { // Hugging Face refused: the sequence to cut is too short
                boolean threw = false;
                try {
                    tok.encodePair(a, b, max, t);
                } catch (IllegalArgumentException expected) {
                    threw = true;
                }
                m.check(threw, label + ": expected an error");
                continue;
            }
            WordPiece.Encoding e = max == 0 ? tok.encodePair(a, b) : tok.encodePair(a, b, max, t);
            m.checkIds(ints(p.get("ids")), e.ids(), label + " ids");
            m.checkIds(ints(p.get("type_ids")), e.typeIds(), label + " type ids");
        }
        for (JsonNode t : fixture.get("truncated")) {
            int max = t.get("max_length").asInt();
            m.checkIds(ints(t.get("ids")), tok.encode(t.get("text").asText(), max), "truncated max=" + max + " '" + escape(t.get("text").asText()) + "'");
        }
        assertEquals(0, m.count(), m.report());
    }

    /** Tokens added by a user (normalized=true): matched in the normalized text, as Hugging Face does. */
    @Test
    void userAddedTokensMatchHuggingFace() {
        com.fasterxml.jackson.databind.node.ObjectNode root =
                (com.fasterxml.jackson.databind.node.ObjectNode) gz("/wordpiece/all-minilm-l6-v2-tokenizer.json.gz");
        root.set("added_tokens", fixture.get("added_tokens"));
        WordPiece withAdded = WordPiece.fromTokenizerJson(root);
        SpmWordPieceFixtures.Mismatches m = new SpmWordPieceFixtures.Mismatches();
        for (JsonNode c : fixture.get("added")) {
            String text = c.get("text").asText();
            int[] ids = ints(c.get("ids"));
            m.checkIds(ids, withAdded.encode(text, true, true), "encode '" + escape(text) + "'");
            m.checkText(c.get("decoded").asText(), withAdded.decode(ids), "decode '" + escape(text) + "'");
        }
        assertEquals(0, m.count(), m.report());
    }
}

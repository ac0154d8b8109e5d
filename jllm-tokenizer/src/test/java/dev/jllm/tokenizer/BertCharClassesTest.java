package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every code point classified as Hugging Face's BERT normalizer / pre-tokenizer classify it
 * (fixture from tools/tokenizer-spm-wordpiece/probe_bert_unicode.mjs).
 */
class BertCharClassesTest {

    @Test
    void everyCodePointIsClassifiedAsHuggingFaceDoes() throws Exception {
        JsonNode classes;
        try (InputStream in = getClass().getResourceAsStream("/wordpiece/hf-bert-char-classes.json")) {
            classes = SpmWordPieceFixtures.JSON.readTree(in);
        }
        List<String> wrong = new ArrayList<>();
        check(classes.get("removed"), BertCharClasses::isRemoved, "removed", wrong);
        check(classes.get("whitespace"), BertCharClasses::isWhitespace, "whitespace", wrong);
        check(classes.get("punctuation"), cp -> !BertCharClasses.isWhitespace(cp) && BertCharClasses.isPunctuation(cp), "punctuation", wrong);
        check(classes.get("accent"), BertCharClasses::isAccent, "accent", wrong);
        assertEquals(List.of(), wrong);
    }

    private static void check(JsonNode ranges, IntPredicate actual, String name, List<String> wrong) {
        BitSet expected = new BitSet(0x110000);
        for (JsonNode r : ranges) expected.set(r.get(0).asInt(), r.get(1).asInt() + 1);
        if (expected.cardinality() < 10) throw new AssertionError("fixture class " + name + " is nearly empty");
        for (int cp = 0; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            if (expected.get(cp) != actual.test(cp) && wrong.size() < 20) {
                wrong.add(name + " U+" + Integer.toHexString(cp).toUpperCase() + " expected " + expected.get(cp));
            }
        }
    }
}

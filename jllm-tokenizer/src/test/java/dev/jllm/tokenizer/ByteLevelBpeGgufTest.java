package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GGUF metadata ({@code tokenizer.ggml.*}) built by {@link GgufTokenizerMetadata} the way
 * llama.cpp's converter writes it from the same tokenizer.json files, checked against the
 * Hugging Face goldens.
 */
class ByteLevelBpeGgufTest {

    @ParameterizedTest
    @CsvSource({
            "llama3, llama3-template, llama-bpe, <|begin_of_text|>, <|end_of_text|>, true",
            "qwen3, qwen3, qwen2, <|endoftext|>, <|im_end|>, false",
            "deepseek_v3, deepseek_v3, deepseek-v3, <｜begin▁of▁sentence｜>, <｜end▁of▁sentence｜>, false"})
    void ggufMetadataMatchesHuggingFace(String family, String goldens, String pre, String bos, String eos, boolean addBos)
            throws IOException {
        JsonNode json = TokenizerJsonBpeGoldenTest.tokenizerJson(family);
        if (!family.equals("deepseek_v3")) assertEquals(pre, GgufTokenizerMetadata.preFor(json)); // DeepSeek's split is a sequence of regexes
        Map<String, Object> kv = GgufTokenizerMetadata.fromTokenizerJson(json, pre, bos, eos, addBos);
        ByteLevelBpe tok = assertInstanceOf(ByteLevelBpe.class, Tokenizers.fromGgufMetadata(kv));
        assertEquals(((Long) kv.get("tokenizer.ggml.bos_token_id")).intValue(), tok.bosId());
        JsonNode g = TokenizerJsonBpeGoldenTest.gz("/bpe/" + goldens + "-goldens.json.gz");
        int mismatches = 0;
        String first = null;
        for (int i = 0; i < g.get("texts").size(); i++) {
            String text = g.get("texts").get(i).asText();
            for (boolean add : new boolean[]{false, true}) {
                int[] expected = TokenizerJsonBpeGoldenTest.ids(g.get(add ? "idsWithSpecial" : "ids").get(i));
                int[] ours = tok.encode(text, add, true);
                if (!Arrays.equals(expected, ours)) {
                    if (first == null) first = ByteLevelBpeTestCorpus.firstMismatch(tok, text, ours, expected);
                    mismatches++;
                }
            }
        }
        if (mismatches > 0) fail(family + " via GGUF: " + mismatches + " mismatches; " + first);
    }

    @Test
    void clearErrorsForBadMetadata() {
        Map<String, Object> kv = new HashMap<>();
        kv.put("tokenizer.ggml.model", "gpt2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromGgufMetadata(kv));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens"), e.getMessage());
        kv.put("tokenizer.ggml.tokens", new int[0]);
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromGgufMetadata(kv));
        assertTrue(e.getMessage().contains("expected String[]"), e.getMessage());
        kv.put("tokenizer.ggml.tokens", new String[]{"a", "b", "ab"});
        kv.put("tokenizer.ggml.merges", new String[]{"a b"});
        kv.put("tokenizer.ggml.pre", "martian");
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromGgufMetadata(kv));
        assertTrue(e.getMessage().contains("martian"), e.getMessage());
        kv.put("tokenizer.ggml.model", "t5x");
        e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromGgufMetadata(kv));
        assertTrue(e.getMessage().contains("t5x"), e.getMessage());
    }
}

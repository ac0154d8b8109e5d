package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Llama 3, Qwen3 and DeepSeek-V3 tokenizer.json files against golden ids from Hugging Face
 * tokenizers (tools/tokenizer-bpe/make_goldens.mjs): encode with and without special tokens,
 * and decode, with zero mismatches.
 */
class TokenizerJsonBpeGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode gz(String resource) throws IOException {
        try (InputStream in = TokenizerJsonBpeGoldenTest.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("missing test resource " + resource);
            return JSON.readTree(new GZIPInputStream(in));
        }
    }

    private static final Map<String, ByteLevelBpe> LOADED = new ConcurrentHashMap<>();

    /** The family's tokenizer.json; "llama3-template" and "qwen3-flags" are patched copies (see make_goldens.mjs). */
    static ByteLevelBpe load(String family) throws IOException {
        ByteLevelBpe cached = LOADED.get(family);
        if (cached != null) return cached;
        JsonNode root = tokenizerJson(family);
        ByteLevelBpe tok = assertInstanceOf(ByteLevelBpe.class, Tokenizers.fromTokenizerJson(root));
        LOADED.put(family, tok);
        return tok;
    }

    static JsonNode tokenizerJson(String family) throws IOException {
        String file = family.startsWith("llama3") ? "llama3" : family.startsWith("qwen3") ? "qwen3" : family;
        JsonNode root = gz("/bpe/" + file + "-tokenizer.json.gz");
        if (family.equals("llama3-template")) {
            ((ObjectNode) root).set("post_processor", resourceJson("/bpe/llama3-post-processor.json"));
        }
        if (family.equals("qwen3-flags")) {
            for (JsonNode t : resourceJson("/bpe/qwen3-flags-added-tokens.json")) ((ArrayNode) root.get("added_tokens")).add(t);
        }
        return root;
    }

    private static JsonNode resourceJson(String name) throws IOException {
        try (InputStream in = TokenizerJsonBpeGoldenTest.class.getResourceAsStream(name)) {
            return JSON.readTree(in);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-template", "qwen3", "qwen3-flags", "deepseek_v3"})
    void encodeMatchesHuggingFace(String family) throws IOException {
        ByteLevelBpe tok = load(family);
        JsonNode g = gz("/bpe/" + family + "-goldens.json.gz");
        int n = g.get("texts").size();
        int mismatches = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String text = g.get("texts").get(i).asText();
            for (boolean add : new boolean[]{false, true}) {
                int[] expected = ids(g.get(add ? "idsWithSpecial" : "ids").get(i));
                int[] ours = tok.encode(text, add, true);
                if (!Arrays.equals(ours, expected)) {
                    if (mismatches < 3) {
                        report.append("\ntext ").append(i).append(add ? " (with special tokens) " : " ")
                                .append(ByteLevelBpeTestCorpus.firstMismatch(tok, text, ours, expected));
                    }
                    mismatches++;
                }
            }
        }
        if (mismatches > 0) fail(family + ": " + mismatches + " of " + 2 * n + " encodings differ from HF tokenizers" + report);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3", "qwen3-flags", "deepseek_v3"})
    void decodeMatchesHuggingFace(String family) throws IOException {
        ByteLevelBpe tok = load(family);
        JsonNode g = gz("/bpe/" + family + "-goldens.json.gz");
        for (JsonNode d : g.get("decodes")) {
            int[] ids = ids(d.get("ids"));
            boolean skip = d.get("skip").asBoolean();
            assertEquals(d.get("text").asText(), tok.decode(ids, skip), () -> "decode " + Arrays.toString(ids) + " skip=" + skip);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3", "deepseek_v3"})
    void roundTripsAndStreams(String family) throws IOException {
        ByteLevelBpe tok = load(family);
        JsonNode g = gz("/bpe/" + family + "-goldens.json.gz");
        for (JsonNode t : g.get("texts")) {
            String text = t.asText();
            int[] ids = tok.encode(text);
            String expected = family.equals("qwen3") ? java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC) : text;
            assertEquals(expected, tok.decode(ids), "decode(encode(x)) == x");
            Tokenizer.StreamingDecoder s = tok.streamingDecoder();
            StringBuilder b = new StringBuilder();
            for (int id : ids) {
                String piece = s.next(id);
                for (int k = 0; k < piece.length(); k++) {
                    if (piece.charAt(k) == '\uFFFD' && expected.indexOf('\uFFFD') < 0) fail("streaming emitted U+FFFD for " + text);
                }
                b.append(piece);
            }
            b.append(s.flush());
            assertEquals(expected, b.toString(), "streamed decode");
        }
    }

    static int[] ids(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }
}

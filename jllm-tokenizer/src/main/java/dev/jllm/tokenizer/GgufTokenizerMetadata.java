package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face byte-level BPE {@code tokenizer.json} as the {@code tokenizer.ggml.*} metadata
 * llama.cpp's converter writes for it (model "gpt2"): the inverse of
 * {@link Tokenizers#fromGgufMetadata} for that model. Values are plain Java (String, String[],
 * int[], Long, Boolean), as {@code fromGgufMetadata} reads them; a GGUF writer maps them to
 * GGUF types. Token types follow llama.cpp: 1 normal, 3 control (special added tokens), 4 user
 * defined (other added tokens), 5 unused (ids with no token, named {@code [PADn]}).
 */
public final class GgufTokenizerMetadata {
    private GgufTokenizerMetadata() {}

    /**
     * @param pre    {@code tokenizer.ggml.pre} (llama.cpp's pre-tokenizer name), e.g. from {@link #preFor}
     * @param bos    content of the BOS token, or null for none
     * @param eos    content of the EOS token, or null for none
     * @param addBos whether encoding prepends BOS
     */
    public static Map<String, Object> fromTokenizerJson(JsonNode root, String pre, String bos, String eos, boolean addBos) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("only byte-level BPE tokenizers map to GGUF model gpt2, this one is '"
                    + model.path("type").asText() + "'");
        }
        JsonNode vocab = model.path("vocab");
        int size = 0;
        for (Map.Entry<String, JsonNode> e : vocab.properties()) size = Math.max(size, e.getValue().asInt() + 1);
        for (JsonNode t : root.path("added_tokens")) size = Math.max(size, t.path("id").asInt() + 1);
        String[] tokens = new String[size];
        int[] types = new int[size];
        Arrays.fill(types, 1);
        for (Map.Entry<String, JsonNode> e : vocab.properties()) tokens[e.getValue().asInt()] = e.getKey();
        Map<String, Long> ids = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            tokens[id] = t.path("content").asText();
            types[id] = t.path("special").asBoolean() ? 3 : 4;
            ids.put(tokens[id], (long) id);
        }
        for (int i = 0; i < size; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = 5;
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", "gpt2");
        kv.put("tokenizer.ggml.pre", pre);
        kv.put("tokenizer.ggml.tokens", tokens);
        kv.put("tokenizer.ggml.token_type", types);
        kv.put("tokenizer.ggml.merges", merges.toArray(String[]::new));
        if (bos != null) kv.put("tokenizer.ggml.bos_token_id", require(ids, bos, "BOS"));
        if (eos != null) kv.put("tokenizer.ggml.eos_token_id", require(ids, eos, "EOS"));
        kv.put("tokenizer.ggml.add_bos_token", addBos);
        return kv;
    }

    private static Long require(Map<String, Long> ids, String content, String what) {
        Long id = ids.get(content);
        if (id == null) throw new IllegalArgumentException(what + " token '" + content + "' is not an added token of this tokenizer");
        return id;
    }

    /**
     * llama.cpp's pre-tokenizer name for the tokenizer's split regex: "gpt2", "llama-bpe" (Llama 3,
     * cl100k) or "qwen2"; an unknown regex is an error naming it.
     */
    public static String preFor(JsonNode root) {
        String pattern = null;
        JsonNode pre = root.path("pre_tokenizer");
        List<JsonNode> steps = new ArrayList<>();
        if (pre.has("pretokenizers")) pre.path("pretokenizers").forEach(steps::add);
        else steps.add(pre);
        for (JsonNode p : steps) {
            if ("Split".equals(p.path("type").asText())) pattern = p.path("pattern").path("Regex").asText(null);
        }
        if (pattern == null || pattern.equals(PreTokenizer.GPT2)) return "gpt2";
        if (pattern.equals(PreTokenizer.LLAMA3)) return "llama-bpe";
        if (pattern.equals(PreTokenizer.QWEN2)) return "qwen2";
        throw new IllegalArgumentException("no llama.cpp pre-tokenizer name is known for the split regex " + pattern);
    }
}

package dev.jllm.formats.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.formats.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Hugging Face {@code config.json}, typed. Field names follow transformers; common aliases
 * (GPT-2's {@code n_embd}/{@code n_layer}/{@code n_head}, T5's {@code d_model}...) are accepted,
 * and multimodal configs whose language model sits in {@code text_config} are read from there.
 * Optional values are null when absent; {@code raw} keeps the whole JSON.
 *
 * @param numKeyValueHeads defaults to {@code numAttentionHeads} (plain multi-head attention)
 * @param headDim defaults to {@code hiddenSize / numAttentionHeads}
 * @param ropeTheta defaults to 10000
 * @param tieWordEmbeddings null when the file does not say (transformers' default then depends on the class)
 * @param slidingWindow null when absent, null, or switched off by {@code use_sliding_window: false}
 */
public record HfConfig(List<String> architectures, String modelType, int hiddenSize, Integer intermediateSize,
                       int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads, int headDim,
                       double ropeTheta, RopeScaling ropeScaling, Double rmsNormEps, Double layerNormEps,
                       Integer vocabSize, Integer maxPositionEmbeddings, Boolean tieWordEmbeddings,
                       Integer slidingWindow, MoeConfig moe, MlaConfig mla, String torchDtype,
                       List<Long> bosTokenIds, List<Long> eosTokenIds, JsonNode raw) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static HfConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            throw new ModelFormatException(file, at, "malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file, -1, "config.json is not a JSON object");
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, -1, e.getMessage(), e);
        }
    }

    /** Reads a parsed config; throws IllegalArgumentException naming a missing or invalid field. */
    public static HfConfig parse(JsonNode root) {
        JsonNode c = root;
        if (!has(root, "hidden_size", "n_embd", "d_model") && root.has("text_config") && root.get("text_config").isObject()) {
            c = root.get("text_config");
        }
        List<String> arch = new ArrayList<>();
        JsonNode a = root.get("architectures");
        if (a != null && a.isArray()) a.forEach(x -> arch.add(x.asText()));
        String modelType = text(c, "model_type", text(root, "model_type", null));

        int hidden = requiredInt(c, "hidden_size", "n_embd", "d_model");
        int layers = requiredInt(c, "num_hidden_layers", "n_layer", "num_layers");
        int heads = requiredInt(c, "num_attention_heads", "n_head", "num_heads");
        Integer kvOrNull = intOrNull(c, "num_key_value_heads");
        int kvHeads = kvOrNull != null ? kvOrNull : heads;
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_key_value_heads " + kvHeads + " must divide num_attention_heads " + heads);
        }
        Integer headDimOrNull = intOrNull(c, "head_dim");
        if (headDimOrNull == null && hidden % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads
                    + " and no head_dim is given");
        }
        int headDim = headDimOrNull != null ? headDimOrNull : hidden / heads;

        JsonNode ropeParams = c.get("rope_parameters");
        double theta = dbl(c, "rope_theta", ropeParams != null ? dbl(ropeParams, "rope_theta", 10000.0) : 10000.0);
        RopeScaling scaling = null;
        JsonNode rs = c.get("rope_scaling");
        if (rs != null && rs.isObject()) scaling = RopeScaling.parse(rs);
        else if (ropeParams != null && ropeParams.isObject()
                && !"default".equals(text(ropeParams, "rope_type", "default"))) scaling = RopeScaling.parse(ropeParams);

        MoeConfig moe = null;
        Integer experts = firstInt(c, "num_local_experts", "num_experts", "n_routed_experts");
        if (experts != null && experts > 0) {
            moe = new MoeConfig(experts, requiredInt(c, "num_experts_per_tok"), intOrNull(c, "moe_intermediate_size"),
                    intOrNull(c, "n_shared_experts"), intOrNull(c, "n_routed_experts"), dblOrNull(c, "routed_scaling_factor"),
                    intOrNull(c, "first_k_dense_replace"), text(c, "scoring_func", null), text(c, "topk_method", null),
                    c.hasNonNull("norm_topk_prob") ? Boolean.valueOf(c.get("norm_topk_prob").asBoolean()) : null);
        }
        MlaConfig mla = null;
        if (intOrNull(c, "kv_lora_rank") != null) {
            mla = new MlaConfig(requiredInt(c, "kv_lora_rank"), intOrNull(c, "q_lora_rank"), requiredInt(c, "qk_rope_head_dim"),
                    requiredInt(c, "qk_nope_head_dim"), requiredInt(c, "v_head_dim"));
        }
        Boolean tie = null;
        if (root.hasNonNull("tie_word_embeddings")) tie = root.get("tie_word_embeddings").asBoolean();
        else if (c.hasNonNull("tie_word_embeddings")) tie = c.get("tie_word_embeddings").asBoolean();
        return new HfConfig(List.copyOf(arch), modelType, hidden, firstInt(c, "intermediate_size", "n_inner", "ffn_dim", "d_ff"),
                layers, heads, kvHeads, headDim, theta, scaling, dblOrNull(c, "rms_norm_eps"),
                firstDbl(c, "layer_norm_eps", "layer_norm_epsilon"), intOrNull(c, "vocab_size"),
                firstInt(c, "max_position_embeddings", "n_positions", "n_ctx"), tie, slidingWindow(c),
                moe, mla, text(root, "torch_dtype", text(root, "dtype", text(c, "torch_dtype", null))),
                ids(c.has("bos_token_id") ? c.get("bos_token_id") : root.get("bos_token_id")),
                ids(c.has("eos_token_id") ? c.get("eos_token_id") : root.get("eos_token_id")), root);
    }

    /** Qwen2-style configs carry a window size but switch it off with {@code use_sliding_window: false}. */
    private static Integer slidingWindow(JsonNode c) {
        JsonNode use = c.get("use_sliding_window");
        if (use != null && use.isBoolean() && !use.booleanValue()) return null;
        return intOrNull(c, "sliding_window");
    }

    /** True when this is a mixture-of-experts model. */
    public boolean isMoe() { return moe != null; }

    /** The first architecture class name, or null. */
    public String architecture() { return architectures.isEmpty() ? null : architectures.getFirst(); }

    // ---- JSON helpers (package-private for RopeScaling) -----------------------------------

    private static boolean has(JsonNode n, String... keys) {
        for (String k : keys) if (n.hasNonNull(k)) return true;
        return false;
    }

    static String text(JsonNode n, String key, String dflt) {
        JsonNode v = n.get(key);
        return v != null && v.isTextual() ? v.textValue() : dflt;
    }

    static double dbl(JsonNode n, String key, double dflt) {
        Double d = dblOrNull(n, key);
        return d != null ? d : dflt;
    }

    static Double dblOrNull(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw new IllegalArgumentException(key + " must be a number, found " + v);
        return v.doubleValue();
    }

    private static Double firstDbl(JsonNode n, String... keys) {
        for (String k : keys) {
            Double d = dblOrNull(n, k);
            if (d != null) return d;
        }
        return null;
    }

    static Integer intOrNull(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw new IllegalArgumentException(key + " must be a non-negative integer, found " + v);
        }
        return v.intValue();
    }

    private static Integer firstInt(JsonNode n, String... keys) {
        for (String k : keys) {
            Integer i = intOrNull(n, k);
            if (i != null) return i;
        }
        return null;
    }

    private static int requiredInt(JsonNode n, String... keys) {
        Integer i = firstInt(n, keys);
        if (i == null) throw new IllegalArgumentException("config has no " + String.join(" / ", keys));
        if (i <= 0) throw new IllegalArgumentException(keys[0] + " must be positive, found " + i);
        return i;
    }

    private static List<Long> ids(JsonNode v) {
        List<Long> out = new ArrayList<>();
        if (v == null || v.isNull()) return out;
        if (v.isArray()) v.forEach(x -> out.add(x.asLong()));
        else out.add(v.asLong());
        return List.copyOf(out);
    }
}

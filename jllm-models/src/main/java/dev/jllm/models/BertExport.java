package dev.jllm.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.formats.safetensors.SafetensorsWriter;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a loaded {@link Bert} (with its tokenizer.json text) with jllm's own writers:
 * safetensors in HF {@code BertModel} naming plus {@code config.json} and {@code tokenizer.json}
 * beside it, or one GGUF in llama.cpp's {@code bert} layout carrying the tokenizer.json text
 * under the standard key {@code tokenizer.huggingface.json}. Both load back through
 * {@link Encoder#open}.
 */
public final class BertExport {
    private BertExport() {}

    /** Writes {@code out} (a .safetensors file) plus config.json and tokenizer.json in its directory. */
    public static void toSafetensors(Bert bert, String tokenizerJson, Path out) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
        for (Map.Entry<String, Tensor> e : bert.hfTensors().entrySet()) w.add(e.getKey(), e.getValue());
        w.write(out);
        Path dir = out.toAbsolutePath().getParent();
        Bert.Config c = bert.config();
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.putArray("architectures").add(bert.hasClassifier() ? "BertForSequenceClassification" : "BertModel");
        cfg.put("model_type", "bert");
        cfg.put("hidden_size", c.hidden());
        cfg.put("num_hidden_layers", c.layers());
        cfg.put("num_attention_heads", c.heads());
        cfg.put("intermediate_size", c.intermediate());
        cfg.put("max_position_embeddings", c.maxPositions());
        cfg.put("type_vocab_size", c.typeVocab());
        cfg.put("vocab_size", bert.vocabSize());
        cfg.put("layer_norm_eps", (double) c.eps());
        cfg.put("hidden_act", "gelu");
        Files.writeString(dir.resolve("config.json"), cfg.toPrettyString());
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson);
    }

    /** Writes one GGUF ({@code general.architecture = bert}). */
    public static void toGguf(Bert bert, String tokenizerJson, String name, Path out) throws IOException {
        Bert.Config c = bert.config();
        GgufWriter w = new GgufWriter()
                .put("general.architecture", GgufValue.string("bert"))
                .put("general.name", GgufValue.string(name))
                .put("bert.context_length", GgufValue.uint32(c.maxPositions()))
                .put("bert.embedding_length", GgufValue.uint32(c.hidden()))
                .put("bert.feed_forward_length", GgufValue.uint32(c.intermediate()))
                .put("bert.block_count", GgufValue.uint32(c.layers()))
                .put("bert.attention.head_count", GgufValue.uint32(c.heads()))
                .put("bert.attention.layer_norm_epsilon", GgufValue.float32(c.eps()))
                .put("bert.attention.causal", GgufValue.bool(false))
                .put("tokenizer.huggingface.json", GgufValue.string(tokenizerJson));
        for (Map.Entry<String, Tensor> e : bert.hfTensors().entrySet()) {
            String n = ggufName(e.getKey());
            if (n != null) w.addTensor(n, e.getValue());
        }
        w.write(out);
    }

    /** llama.cpp's name for an HF BERT parameter, or null for the classification head (no GGUF slot). */
    static String ggufName(String hf) {
        String n = switch (hf) {
            case "embeddings.word_embeddings.weight" -> "token_embd.weight";
            case "embeddings.position_embeddings.weight" -> "position_embd.weight";
            case "embeddings.token_type_embeddings.weight" -> "token_types.weight";
            case "embeddings.LayerNorm.weight" -> "token_embd_norm.weight";
            case "embeddings.LayerNorm.bias" -> "token_embd_norm.bias";
            default -> null;
        };
        if (n != null || !hf.startsWith("encoder.layer.")) return n;
        String[] parts = hf.split("\\.", 4); // encoder, layer, N, rest
        String rest = parts[3];
        String suffix = rest.substring(rest.lastIndexOf('.'));
        String role = switch (rest.substring(0, rest.lastIndexOf('.'))) {
            case "attention.self.query" -> "attn_q";
            case "attention.self.key" -> "attn_k";
            case "attention.self.value" -> "attn_v";
            case "attention.output.dense" -> "attn_output";
            case "attention.output.LayerNorm" -> "attn_output_norm";
            case "intermediate.dense" -> "ffn_up";
            case "output.dense" -> "ffn_down";
            case "output.LayerNorm" -> "layer_output_norm";
            default -> throw new IllegalArgumentException("no GGUF name for " + hf);
        };
        return "blk." + parts[2] + "." + role + suffix;
    }
}

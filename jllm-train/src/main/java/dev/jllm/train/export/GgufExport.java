package dev.jllm.train.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.train.Checkpoint;
import dev.jllm.train.recipe.Recipe;
import dev.jllm.train.recipe.RecipeReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a training checkpoint as a llama.cpp-style GGUF: {@code general.architecture = llama},
 * the {@code llama.*} hyper-parameters, llama.cpp tensor names (the names jllm trains under),
 * weights in F32, F16 or Q8_0 (norms stay F32, as llama.cpp keeps 1-D tensors), and the
 * tokenizer as {@code tokenizer.ggml.*} with a chat template. jllm trains with adjacent-pair
 * RoPE, which is the layout llama.cpp expects for {@code llama}, so q/k rows are written as is.
 */
public final class GgufExport {
    /** Weight encodings for 2-D tensors. */
    public enum WeightType {
        F32(DType.F32, 0), F16(DType.F16, 1), Q8_0(DType.Q8_0, 7);

        final DType dtype;
        /** llama.cpp's llama_ftype for general.file_type. */
        final int fileType;

        WeightType(DType dtype, int fileType) {
            this.dtype = dtype;
            this.fileType = fileType;
        }

        public static WeightType parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "f32" -> F32;
                case "f16" -> F16;
                case "q8_0", "q8" -> Q8_0;
                default -> throw new IllegalArgumentException("--type '" + s + "' is not supported (supported: f32, f16, q8_0)");
            };
        }
    }

    /**
     * A plain-conversation template for a base model: each message as "Role: text" and a
     * blank line, then "Assistant:" to continue. Uses only what every Jinja chat renderer has.
     */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}"
            + "{% if message['role'] == 'system' %}{{ message['content'] + '\\n\\n' }}"
            + "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\\n\\n' }}"
            + "{% else %}{{ 'Assistant: ' + message['content'] + '\\n\\n' }}{% endif %}"
            + "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    /** What was written. */
    public record Summary(Path file, int tensors, long bytes, Map<String, String> tensorTypes) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufExport() {}

    public static Summary export(Path checkpoint, Path out, WeightType type) throws IOException {
        JsonNode state = Checkpoint.readState(checkpoint);
        JsonNode run = state.path("run");
        if (!run.has("recipe")) throw new IOException("checkpoint " + checkpoint + ": " + Checkpoint.STATE + " has no run.recipe");
        Recipe r = RecipeReader.fromTree(run.get("recipe"), checkpoint.resolve(Checkpoint.STATE).toString());
        int vocab = run.path("vocab_size").asInt(-1);
        int eos = run.path("eos_id").asInt(-1);
        Path tokFile = checkpoint.resolve(run.path("tokenizer_file").asText("tokenizer.json"));
        if (!Files.isRegularFile(tokFile)) throw new IOException("checkpoint " + checkpoint + " has no tokenizer file " + tokFile.getFileName());
        Recipe.Model m = r.model;
        int headDim = m.dim / m.heads;

        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("llama"));
        w.put("general.name", GgufValue.string(r.name));
        w.put("general.file_type", GgufValue.uint32(type.fileType));
        if (type == WeightType.Q8_0) w.put("general.quantization_version", GgufValue.uint32(2));
        w.put("llama.context_length", GgufValue.uint32(m.context));
        w.put("llama.embedding_length", GgufValue.uint32(m.dim));
        w.put("llama.block_count", GgufValue.uint32(m.layers));
        w.put("llama.feed_forward_length", GgufValue.uint32(m.ffnOrDefault()));
        w.put("llama.attention.head_count", GgufValue.uint32(m.heads));
        w.put("llama.attention.head_count_kv", GgufValue.uint32(m.kvHeadsOrDefault()));
        w.put("llama.rope.freq_base", GgufValue.float32((float) m.ropeTheta));
        w.put("llama.rope.dimension_count", GgufValue.uint32(headDim));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32((float) m.normEps));
        w.put("llama.vocab_size", GgufValue.uint32(vocab));
        tokenizerMetadata(tokFile, eos).forEach(w::put);

        Map<String, String> types = new LinkedHashMap<>();
        long bytes = 0;
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve(Checkpoint.MODEL))) {
            for (String name : tensorOrder(f, m.layers)) {
                Tensor t = f.tensor(name);
                if (t.dtype() != DType.F32) throw new IOException(f.path() + ": tensor " + name + " is " + t.dtype() + ", expected F32");
                if (name.equals("token_embd.weight") && t.dim(0) != vocab) {
                    throw new IOException(f.path() + ": token_embd.weight has " + t.dim(0) + " rows, the run's vocabulary is " + vocab);
                }
                DType d = t.rank() < 2 ? DType.F32 : type.dtype;
                if (d == DType.Q8_0 && t.dim(t.rank() - 1) % d.blockSize() != 0) d = DType.F16; // rows must be whole blocks
                Tensor enc = t.to(d);
                w.addTensor(name, enc);
                types.put(name, d.name());
                bytes += enc.byteSize();
            }
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            GgufWriter.Layout layout = w.write(tmp);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new Summary(out, types.size(), layout.fileSize(), types);
        }
    }

    /** llama.cpp's order: embedding, then each block's tensors, then the final norm and the head. */
    private static List<String> tensorOrder(SafetensorsFile f, int layers) throws IOException {
        List<String> names = new ArrayList<>(f.infos().keySet());
        List<String> order = new ArrayList<>();
        order.add("token_embd.weight");
        String[] block = {"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"};
        for (int l = 0; l < layers; l++) for (String b : block) order.add("blk." + l + "." + b);
        order.add("output_norm.weight");
        if (names.contains("output.weight")) order.add("output.weight");
        for (String n : order) {
            if (!names.contains(n)) throw new IOException(f.path() + ": missing tensor " + n);
        }
        for (String n : names) {
            if (!order.contains(n)) throw new IOException(f.path() + ": tensor " + n + " has no place in a llama GGUF");
        }
        return order;
    }

    /** tokenizer.ggml.* and tokenizer.chat_template from a run's tokenizer.json or tokenizer.gguf. */
    static Map<String, GgufValue> tokenizerMetadata(Path tokFile, int eos) throws IOException {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        if (tokFile.getFileName().toString().endsWith(".gguf")) {
            try (GgufFile g = GgufFile.open(tokFile)) {
                g.typedMetadata().forEach((k, v) -> {
                    if (k.startsWith("tokenizer.")) kv.put(k, v);
                });
            }
            kv.putIfAbsent("tokenizer.chat_template", GgufValue.string(CHAT_TEMPLATE));
            return kv;
        }
        JsonNode root = JSON.readTree(tokFile.toFile());
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText()) || !isByteLevel(root)) {
            throw new IOException(tokFile + ": only byte-level BPE tokenizers export to GGUF (tokenizer.ggml.model = gpt2)");
        }
        String pattern = splitPattern(root);
        if (pattern != null && !pattern.equals(dev.jllm.tokenizer.train.SplitPatterns.GPT2)) {
            throw new IOException(tokFile + ": the pre-tokenizer split pattern is not GPT-2's; GGUF export maps only it (tokenizer.ggml.pre = gpt2)");
        }
        Map<Integer, String> byId = new java.util.TreeMap<>();
        model.path("vocab").fields().forEachRemaining(e -> byId.put(e.getValue().asInt(), e.getKey()));
        java.util.Set<Integer> special = new java.util.HashSet<>();
        for (JsonNode a : root.path("added_tokens")) {
            byId.put(a.path("id").asInt(), a.path("content").asText());
            if (a.path("special").asBoolean(false)) special.add(a.path("id").asInt());
        }
        int n = byId.isEmpty() ? 0 : byId.keySet().stream().max(Integer::compare).get() + 1;
        if (byId.size() != n) throw new IOException(tokFile + ": token ids are not contiguous 0.." + (n - 1));
        String[] tokens = new String[n];
        int[] tokenTypes = new int[n];
        for (var e : byId.entrySet()) {
            tokens[e.getKey()] = e.getValue();
            tokenTypes[e.getKey()] = special.contains(e.getKey()) ? 3 : 1; // llama.cpp: CONTROL = 3, NORMAL = 1
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode mg : model.path("merges")) {
            merges.add(mg.isArray() ? mg.get(0).asText() + " " + mg.get(1).asText() : mg.asText());
        }
        kv.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        kv.put("tokenizer.ggml.pre", GgufValue.string("gpt2"));
        kv.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        kv.put("tokenizer.ggml.token_type", GgufValue.int32s(tokenTypes));
        kv.put("tokenizer.ggml.merges", GgufValue.strings(merges.toArray(String[]::new)));
        // Documents were trained as "<eos> text": the separator doubles as BOS, so prompts start like documents.
        kv.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(eos));
        kv.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(eos));
        kv.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        kv.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        kv.put("tokenizer.chat_template", GgufValue.string(CHAT_TEMPLATE));
        return kv;
    }

    private static boolean isByteLevel(JsonNode root) {
        JsonNode pre = root.path("pre_tokenizer");
        if ("ByteLevel".equals(pre.path("type").asText())) return true;
        for (JsonNode p : pre.path("pretokenizers")) if ("ByteLevel".equals(p.path("type").asText())) return true;
        return false;
    }

    private static String splitPattern(JsonNode root) {
        for (JsonNode p : root.path("pre_tokenizer").path("pretokenizers")) {
            if ("Split".equals(p.path("type").asText())) return p.path("pattern").path("Regex").asText(null);
        }
        return null;
    }
}

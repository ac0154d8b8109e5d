package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Loads a tokenizer from what a model ships: a Hugging Face {@code tokenizer.json}, GGUF
 * metadata ({@code tokenizer.ggml.*}) or a tiktoken rank file. Each loader dispatches to the
 * implementation the file describes: {@link ByteLevelBpe}, {@link SentencePieceBpe} or
 * {@link WordPiece}.
 */
public final class Tokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokenizers() {}

    /**
     * A tokenizer from a path: a directory holding {@code tokenizer.json}, a {@code tokenizer.json}
     * (optionally {@code .gz}) or a {@code <encoding>.tiktoken} file of a known encoding.
     */
    public static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path json = path.resolve("tokenizer.json");
            if (!Files.exists(json)) throw new NoSuchFileException(json.toString(), null, "the directory has no tokenizer.json");
            return fromTokenizerJson(json);
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".tiktoken")) {
            TiktokenEncoding enc = TiktokenEncoding.named(name.substring(0, name.length() - ".tiktoken".length()));
            try (InputStream in = Files.newInputStream(path)) {
                return enc.load(in);
            }
        }
        return fromTokenizerJson(path);
    }

    /**
     * Reads {@code tokenizer.json} (or {@code .json.gz}); a {@code tokenizer_config.json} next to
     * it, when present, names the BOS and EOS tokens.
     */
    public static Tokenizer fromTokenizerJson(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "tokenizer file not found");
        JsonNode root;
        try (InputStream raw = Files.newInputStream(path);
             InputStream in = path.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            root = JSON.readTree(in);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(path + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        Path cfg = path.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.exists(cfg) ? JSON.readTree(cfg.toFile()) : null;
        try {
            return fromTokenizerJson(root, config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    public static Tokenizer fromTokenizerJson(JsonNode root) {
        return fromTokenizerJson(root, null);
    }

    /** @param config a parsed {@code tokenizer_config.json} (bos/eos names), or null */
    public static Tokenizer fromTokenizerJson(JsonNode root, JsonNode config) {
        JsonNode model = root.path("model");
        if (model.isMissingNode()) throw new IllegalArgumentException("tokenizer.json has no 'model' object");
        String type = model.path("type").asText("");
        return switch (type) {
            case "BPE" -> TokenizerJsonBpe.isByteLevel(root) ? TokenizerJsonBpe.read(root, config)
                    : SentencePieceBpe.fromTokenizerJson(root, config);
            case "WordPiece" -> WordPiece.fromTokenizerJson(root);
            case "" -> throw new IllegalArgumentException("tokenizer.json: model.type is missing");
            default -> throw new IllegalArgumentException("tokenizer.json: model.type '" + type
                    + "' is not supported (supported: BPE, WordPiece)");
        };
    }

    /**
     * A tiktoken encoding: ranks from a {@code .tiktoken} stream, the split pattern and special
     * tokens (content → id).
     */
    public static ByteLevelBpe fromTiktoken(InputStream bpeRanks, String pattern, Map<String, Integer> specialTokens)
            throws IOException {
        String[] vocab = TiktokenEncoding.readRanks(bpeRanks);
        ByteLevelBpe.Builder b = ByteLevelBpe.builder().vocab(vocab).mergesFromRanks()
                .preTokenizer(PreTokenizer.forPattern(pattern));
        specialTokens.forEach((content, id) -> {
            if (id < vocab.length && vocab[id] != null) {
                throw new IllegalArgumentException("special token '" + content + "' has id " + id
                        + ", which is also the rank of an ordinary token");
            }
            b.addedToken(SpecialTokens.Entry.special(content, id), false);
        });
        Integer eot = specialTokens.get("<|endoftext|>");
        return b.eos(eot == null ? -1 : eot).build();
    }

    // ---- GGUF -------------------------------------------------------------------------------

    /** GGUF token types (llama.cpp's llama_token_type). */
    private static final int TYPE_CONTROL = 3, TYPE_USER_DEFINED = 4;

    /**
     * A tokenizer from GGUF metadata, by {@code tokenizer.ggml.model}: "gpt2" → byte-level BPE
     * (split pattern chosen by {@code tokenizer.ggml.pre}), "llama" → SentencePiece BPE,
     * "bert" → WordPiece.
     */
    public static Tokenizer fromGgufMetadata(Map<String, Object> kv) {
        String model = string(kv, "tokenizer.ggml.model");
        return switch (model) {
            case "gpt2" -> byteLevelFromGguf(kv);
            case "llama" -> SentencePieceBpe.fromGgufMetadata(kv);
            case "bert" -> WordPiece.fromGgufMetadata(kv);
            default -> throw new IllegalArgumentException("GGUF tokenizer.ggml.model '" + model
                    + "' is not supported (supported: gpt2, llama, bert)");
        };
    }

    private static ByteLevelBpe byteLevelFromGguf(Map<String, Object> kv) {
        String[] tokens = get(kv, "tokenizer.ggml.tokens", String[].class);
        String[] mergeLines = get(kv, "tokenizer.ggml.merges", String[].class);
        int[] types = kv.containsKey("tokenizer.ggml.token_type") ? get(kv, "tokenizer.ggml.token_type", int[].class) : null;
        if (types != null && types.length != tokens.length) {
            throw new IllegalArgumentException("GGUF tokenizer.ggml.token_type has " + types.length
                    + " entries, tokenizer.ggml.tokens has " + tokens.length);
        }
        String pre = kv.containsKey("tokenizer.ggml.pre") ? string(kv, "tokenizer.ggml.pre") : "default";
        List<String[]> merges = new ArrayList<>(mergeLines.length);
        for (int i = 0; i < mergeLines.length; i++) {
            String m = mergeLines[i];
            int sp = m.indexOf(' ', 1);
            if (sp < 0) throw new IllegalArgumentException("GGUF tokenizer.ggml.merges[" + i + "] = '" + m + "', expected 'left right'");
            merges.add(new String[]{m.substring(0, sp), m.substring(sp + 1)});
        }
        // Control and user-defined tokens are matched in text like HF added tokens; they keep
        // their place in the vocabulary (they are in tokens[]), so the BPE vocab holds the rest.
        String[] vocab = tokens.clone();
        ByteLevelBpe.Builder b = ByteLevelBpe.builder();
        List<SpecialTokens.Entry> added = new ArrayList<>();
        if (types != null) {
            for (int id = 0; id < tokens.length; id++) {
                if (types[id] == TYPE_CONTROL || types[id] == TYPE_USER_DEFINED) {
                    added.add(new SpecialTokens.Entry(tokens[id], id, types[id] == TYPE_CONTROL, false, false, false));
                }
            }
        }
        b.vocab(vocab).merges(merges);
        for (SpecialTokens.Entry e : added) b.addedToken(e, false);
        switch (pre) {
            case "llama3", "llama-bpe", "llama-v3", "smaug-bpe", "dbrx" ->
                    b.preTokenizer(PreTokenizer.forPattern(PreTokenizer.LLAMA3)).ignoreMerges(true);
            case "qwen2", "qwen3" -> b.preTokenizer(PreTokenizer.forPattern(PreTokenizer.QWEN2))
                    .normalizer(s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC));
            case "deepseek-v3" -> {
                List<PreTokenizer> stages = new ArrayList<>();
                for (String p : PreTokenizer.DEEPSEEK_V3) stages.add(PreTokenizer.forPattern(p));
                b.preTokenizer(new PreTokenizerSequence(stages));
            }
            case "gpt-4o", "o200k" -> b.preTokenizer(PreTokenizer.forPattern(PreTokenizer.O200K));
            case "default", "gpt-2", "gpt2" -> b.preTokenizer(PreTokenizer.forPattern(PreTokenizer.GPT2));
            default -> throw new IllegalArgumentException("GGUF tokenizer.ggml.pre '" + pre + "' is not known "
                    + "(known: llama-bpe/llama3, qwen2, deepseek-v3, gpt-4o, gpt-2/default)");
        }
        int bos = optInt(kv, "tokenizer.ggml.bos_token_id");
        int eos = optInt(kv, "tokenizer.ggml.eos_token_id");
        boolean addBos = kv.get("tokenizer.ggml.add_bos_token") instanceof Boolean x ? x : false;
        boolean addEos = kv.get("tokenizer.ggml.add_eos_token") instanceof Boolean x ? x : false;
        if (addBos && bos < 0) throw new IllegalArgumentException("GGUF add_bos_token is true but tokenizer.ggml.bos_token_id is missing");
        if (addEos && eos < 0) throw new IllegalArgumentException("GGUF add_eos_token is true but tokenizer.ggml.eos_token_id is missing");
        b.template(addBos ? new int[]{bos} : new int[0], addEos ? new int[]{eos} : new int[0]);
        return b.bos(bos).eos(eos).build();
    }

    private static String string(Map<String, Object> kv, String key) {
        return get(kv, key, String.class);
    }

    private static <T> T get(Map<String, Object> kv, String key, Class<T> type) {
        Object v = kv.get(key);
        if (v == null) throw new IllegalArgumentException("GGUF metadata has no '" + key + "'");
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("GGUF metadata '" + key + "' is " + v.getClass().getSimpleName()
                    + ", expected " + type.getSimpleName());
        }
        return type.cast(v);
    }

    private static int optInt(Map<String, Object> kv, String key) {
        Object v = kv.get(key);
        if (v == null) return -1;
        if (v instanceof Number n) return Math.toIntExact(n.longValue());
        throw new IllegalArgumentException("GGUF metadata '" + key + "' is " + v.getClass().getSimpleName() + ", expected an integer");
    }
}

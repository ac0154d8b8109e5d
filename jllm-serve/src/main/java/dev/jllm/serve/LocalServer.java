package dev.jllm.serve;

import dev.jllm.engine.LoadedModel;
import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.engine.batch.EngineConfig;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.models.Encoder;
import dev.jllm.models.ModelLoader;
import dev.jllm.models.Pooling;
import dev.jllm.tokenizer.chat.ChatTemplate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A running server and everything it owns (model weights, batching engine, encoder), started
 * from model specs the way {@code jllm serve} takes them, and closed together.
 */
public final class LocalServer implements AutoCloseable {
    /**
     * @param model          a language model (.gguf or HF directory), an encoder ("minilm", a BERT
     *                       .gguf/.onnx/directory) for an embeddings-only server, or null with {@code embeddingModel}
     * @param embeddingModel an encoder served beside the language model, or null
     * @param name           the model id clients send (null: the file name)
     * @param tokenIds       allow a weight file without a vocabulary (prompts as token ids; benchmarks only)
     * @param warmupMillis   time to spend on throwaway requests before listening, so the first client
     *                       does not wait for the JIT ({@link ServerWarmup}); 0 for none
     */
    public record Options(Path model, String embeddingModel, String name, EngineConfig engine, ServerConfig server,
                          boolean tokenIds, long warmupMillis) {
        public Options(Path model, String embeddingModel, String name, EngineConfig engine, ServerConfig server, boolean tokenIds) {
            this(model, embeddingModel, name, engine, server, tokenIds, 0);
        }
    }


    private static final Set<String> ENCODER_TYPES = Set.of("bert", "roberta", "xlm-roberta", "distilbert", "nomic_bert");

    private final LoadedModel model;
    private final BatchEngine engine;
    private final OpenAiServer server;

    private LocalServer(LoadedModel model, BatchEngine engine, OpenAiServer server) {
        this.model = model;
        this.engine = engine;
        this.server = server;
    }

    /** True when {@code spec} names an encoder (sentence-embedding model) rather than a causal LM. */
    public static boolean isEncoder(String spec) throws IOException {
        if (spec.equals(Encoder.MINILM) || spec.endsWith(".onnx")) return true;
        Path p = Path.of(spec);
        if (spec.endsWith(".gguf") && Files.isRegularFile(p)) {
            try (GgufFile g = GgufFile.open(p)) {
                return "bert".equals(g.string("general.architecture", ""));
            }
        }
        Path dir = Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
        Path cfg = dir == null ? null : dir.resolve("config.json");
        if (cfg != null && Files.isRegularFile(cfg)) {
            String type = HfConfig.read(cfg).modelType();
            return type != null && ENCODER_TYPES.contains(type);
        }
        return false;
    }

    public static LocalServer start(Options o) throws IOException {
        LoadedModel lm = null;
        BatchEngine engine = null;
        try {
            Encoder encoder = o.embeddingModel() == null ? null : Encoder.open(o.embeddingModel(), Pooling.MEAN, true);
            ServedModel served = null;
            if (o.model() != null) {
                lm = o.tokenIds() && !hasVocabulary(o.model()) ? withTokenIds(o.model()) : LoadedModel.open(o.model());
                engine = new BatchEngine(lm.model(), lm.tokenizer(), o.engine());
                String name = o.name() != null ? o.name() : lm.name();
                served = new ServedModel(name, lm, engine, engine.contextLength());
            }
            if (o.warmupMillis() > 0) ServerWarmup.run(served, encoder, o.server(), o.warmupMillis());
            if (engine != null) engine.start();
            OpenAiServer server = new OpenAiServer(served, encoder, o.server()).start();
            return new LocalServer(lm, engine, server);
        } catch (IOException | RuntimeException e) {
            if (engine != null) engine.close();
            if (lm != null) lm.close();
            throw e;
        }
    }

    private static boolean hasVocabulary(Path model) throws IOException {
        if (!model.toString().endsWith(".gguf")) return true;
        try (GgufFile g = GgufFile.open(model)) {
            return g.metadata().containsKey("tokenizer.ggml.model");
        }
    }

    private static LoadedModel withTokenIds(Path path) throws IOException {
        ModelLoader.Loaded w = ModelLoader.load(path);
        TokenIdTokenizer tok = new TokenIdTokenizer(w.model().vocabSize());
        return new LoadedModel(path, w, tok, new ChatTemplate(ChatTemplate.CHATML, null, null), false);
    }

    public OpenAiServer server() { return server; }

    /** The batching engine, or null for an embeddings-only server. */
    public BatchEngine engine() { return engine; }

    /** The language model, or null for an embeddings-only server. */
    public LoadedModel model() { return model; }

    @Override
    public void close() {
        server.close();
        if (engine != null) engine.close();
        if (model != null) model.close();
    }
}

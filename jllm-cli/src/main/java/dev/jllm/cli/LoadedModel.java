package dev.jllm.cli;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model file opened for a command: weights (mapped; closed with this) and its tokenizer. */
record LoadedModel(GgufFile file, Llama model, Tokenizer tokenizer) implements AutoCloseable {
    static LoadedModel open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException("model file not found: " + path);
        GgufFile g = GgufFile.open(path);
        try {
            return new LoadedModel(g, Llama.fromGguf(g), Tokenizers.fromGgufMetadata(g.metadata()));
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    @Override
    public void close() {
        file.close();
    }
}

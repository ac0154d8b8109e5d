package dev.jllm.engine;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.CausalLM;
import dev.jllm.models.ModelLoader;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import dev.jllm.tokenizer.chat.ChatTemplate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A causal LM opened for use: mapped weights, its tokenizer and its chat template, from a
 * {@code .gguf} file (all three inside) or a Hugging Face directory ({@code config.json},
 * safetensors, {@code tokenizer.json}, {@code tokenizer_config.json}). The CLI and the server
 * open models through this one place.
 *
 * @param chatTemplate the model's own template, or ChatML when it ships none ({@link #ownTemplate} says which)
 */
public record LoadedModel(Path path, ModelLoader.Loaded weights, Tokenizer tokenizer, ChatTemplate chatTemplate,
                          boolean ownTemplate) implements AutoCloseable {

    public static LoadedModel open(Path path) throws IOException {
        if (!Files.exists(path)) throw new IllegalArgumentException("model not found: " + path);
        ModelLoader.Loaded w = ModelLoader.load(path);
        try {
            Tokenizer tok;
            ChatTemplate own;
            if (w.file() instanceof GgufFile g) {
                tok = Tokenizers.fromGgufMetadata(g.metadata());
                own = ChatTemplate.fromGgufMetadata(g.metadata(), text(tok, tok.bosId()), text(tok, tok.eosId()));
            } else {
                Path dir = Files.isDirectory(path) ? path : path.getParent();
                tok = Tokenizers.load(dir);
                Path cfg = dir.resolve("tokenizer_config.json");
                own = Files.exists(cfg) && Files.readString(cfg).contains("\"chat_template\"")
                        ? ChatTemplate.fromTokenizerConfig(cfg) : null;
            }
            if (tok.vocabSize() > w.model().vocabSize()) {
                throw new IllegalArgumentException(path + ": the tokenizer has " + tok.vocabSize()
                        + " tokens but the model's output has only " + w.model().vocabSize());
            }
            ChatTemplate t = own != null ? own : new ChatTemplate(ChatTemplate.CHATML, text(tok, tok.bosId()), text(tok, tok.eosId()));
            return new LoadedModel(path, w, tok, t, own != null);
        } catch (RuntimeException | IOException e) {
            w.close();
            throw e;
        }
    }

    private static String text(Tokenizer tok, int id) { return id >= 0 ? tok.piece(id) : null; }

    public CausalLM model() { return weights.model(); }

    /** A short name for the model: the file name without {@code .gguf}. */
    public String name() {
        String n = path.getFileName().toString();
        return n.endsWith(".gguf") ? n.substring(0, n.length() - 5) : n;
    }

    /** EOS plus the end-of-turn markers of the common chat formats that this vocabulary has. */
    public int[] endIds() { return endIds(tokenizer); }

    /** EOS plus the end-of-turn markers of the common chat formats that {@code tok} has. */
    public static int[] endIds(Tokenizer tok) {
        List<Integer> ids = new ArrayList<>();
        if (tok.eosId() >= 0) ids.add(tok.eosId());
        for (String p : List.of("<|eot_id|>", "<|im_end|>", "<|end_of_text|>", "<end_of_turn>", "</s>", "<|endoftext|>", "<|eom_id|>")) {
            int id = tok.id(p);
            if (id >= 0 && !ids.contains(id)) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void close() { weights.close(); }
}

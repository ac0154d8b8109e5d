package dev.jllm.serve;

import dev.jllm.engine.LoadedModel;
import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.chat.ChatTemplate;

/**
 * The language model behind the server: the loaded model (weights, tokenizer, chat template)
 * and the batching engine that runs it.
 *
 * @param name          the id clients send as {@code model}
 * @param contextLength most tokens (prompt + completion) of one request: the smaller of --ctx and the model's context
 */
public record ServedModel(String name, LoadedModel model, BatchEngine engine, int contextLength) {
    public ServedModel {
        if (contextLength < 2) throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        if (contextLength > model.model().contextLength()) {
            throw new IllegalArgumentException("context length " + contextLength + " exceeds the model's " + model.model().contextLength());
        }
    }

    public Tokenizer tokenizer() { return model.tokenizer(); }

    public ChatTemplate chatTemplate() { return model.chatTemplate(); }

    /** True when the chat template is the model's own, false for the ChatML fallback. */
    public boolean ownTemplate() { return model.ownTemplate(); }

    public int[] endIds() { return model.endIds(); }
}

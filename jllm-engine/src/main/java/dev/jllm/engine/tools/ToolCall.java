package dev.jllm.engine.tools;

/**
 * A function call parsed from model output.
 *
 * @param id            a call id (the model's own when it wrote one, else generated)
 * @param argumentsJson the arguments as JSON text, as the model wrote them (OpenAI's {@code function.arguments})
 */
public record ToolCall(String id, String name, String argumentsJson) {

    /** The same call in the shape chat templates take for the assistant's earlier turns. */
    public dev.jllm.tokenizer.chat.ToolCall toChatToolCall() {
        return new dev.jllm.tokenizer.chat.ToolCall(id, name, argumentsJson);
    }
}

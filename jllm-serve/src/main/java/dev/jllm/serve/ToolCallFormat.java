package dev.jllm.serve;

import dev.jllm.engine.constrain.JsonSchemaGrammar;

import java.util.function.Supplier;

/** How the served model writes tool calls: how to find them in its output, and how to force one. */
final class ToolCallFormat {
    /** A grammar that makes the model call a tool ({@code tool_choice} "required" or a named function). */
    record Forced(String key, Supplier<JsonSchemaGrammar> grammar) {}

    ToolCallFormat() {}

    ToolCallSplitter splitter(ChatRequest r) { return null; }

    Forced forced(ChatRequest r) { return null; }
}

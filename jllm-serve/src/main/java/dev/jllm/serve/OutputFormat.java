package dev.jllm.serve;

import dev.jllm.engine.batch.TokenMask;

import java.util.function.IntFunction;

/**
 * What the request wants its output to look like beyond free text: tool calls to be parsed out
 * of it, and/or JSON constrained by a schema (constrained decoding).
 */
final class OutputFormat {
    private final IntFunction<TokenMask> masks;
    private final java.util.function.Supplier<ToolCallSplitter> tools;

    private OutputFormat(IntFunction<TokenMask> masks, java.util.function.Supplier<ToolCallSplitter> tools) {
        this.masks = masks;
        this.tools = tools;
    }

    static OutputFormat of(ChatRequest r, ServedModel served) {
        return new OutputFormat(null, null);
    }

    /** A fresh splitter for one choice, or null when the request has no tools. */
    ToolCallSplitter toolParser() { return tools == null ? null : tools.get(); }

    /** One mask per choice, or null for unconstrained output. */
    IntFunction<TokenMask> masks() { return masks; }
}

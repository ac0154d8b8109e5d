package dev.jllm.serve;

import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.tools.StreamingToolCallParser;
import dev.jllm.engine.tools.ToolCallFormat;
import dev.jllm.engine.tools.ToolCallGrammar;

import java.util.function.Supplier;

/**
 * Tool calling for the served model: the format its chat template teaches (Hermes
 * {@code <tool_call>}, Llama 3.1 JSON, Mistral {@code [TOOL_CALLS]}; Hermes when the template
 * shows none), a streaming parser per choice, and the grammar that forces a call when
 * {@code tool_choice} is "required" or names a function.
 */
final class ToolCalling {
    /** Most calls in one reply when parallel tool calls are on and the choice is "required". */
    static final int MAX_PARALLEL_CALLS = 8;

    /** A grammar that makes the model call a tool, and the key it is cached under. */
    record Forced(String key, Supplier<JsonSchemaGrammar> grammar) {}

    private final ToolCallFormat format;

    ToolCalling(String chatTemplateSource) {
        ToolCallFormat f = ToolCallFormat.detect(chatTemplateSource);
        this.format = f == null ? ToolCallFormat.HERMES : f;
    }

    ToolCallFormat format() { return format; }

    StreamingToolCallParser parser() { return new StreamingToolCallParser(format); }

    /** The grammar for {@code tool_choice} "required" or a named function; null for "auto". */
    Forced forced(ChatRequest r) {
        if (r.toolChoice().equals("auto") || r.toolChoice().equals("none")) return null;
        String only = r.forcedFunction() ? r.toolChoice() : null;
        int max = only == null && r.parallelToolCalls() ? MAX_PARALLEL_CALLS : 1;
        return new Forced("tools:" + format + ":" + only + ":" + max + ":" + r.tools(), () -> {
            try {
                return ToolCallGrammar.compile(format, r.tools(), only, max);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("tools", "the tool definitions cannot be enforced: " + e.getMessage());
            }
        });
    }
}

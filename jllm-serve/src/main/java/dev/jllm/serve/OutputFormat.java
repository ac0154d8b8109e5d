package dev.jllm.serve;

import dev.jllm.engine.batch.TokenMask;
import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.constrain.TokenMasks;

import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * What the request wants its output to look like beyond free text: JSON that a schema
 * constrains token by token ({@code response_format}), and tool calls to be parsed out of the
 * text ({@code tools}).
 */
final class OutputFormat {
    private final TokenMasks masks;
    private final Supplier<ToolCallSplitter> tools;

    private OutputFormat(TokenMasks masks, Supplier<ToolCallSplitter> tools) {
        this.masks = masks;
        this.tools = tools;
    }

    static OutputFormat of(ChatRequest r, ConstraintCache cache, ToolCallFormat toolFormat) {
        TokenMasks masks = switch (r.responseFormat()) {
            case "json_object" -> cache.masks("json_object", JsonSchemaGrammar::anyObject);
            case "json_schema" -> cache.masks("json_schema:" + r.strictSchema() + ":" + r.schema(), () -> {
                try {
                    return JsonSchemaGrammar.compile(r.schema(), r.strictSchema(), false);
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid("response_format.json_schema.schema", "the schema cannot be enforced: " + e.getMessage());
                }
            });
            default -> null;
        };
        Supplier<ToolCallSplitter> tools = null;
        if (r.toolsEnabled()) {
            if (masks == null) {
                ToolCallFormat.Forced forced = toolFormat.forced(r);
                if (forced != null) {
                    masks = cache.masks(forced.key(), forced.grammar());
                }
            }
            tools = () -> toolFormat.splitter(r);
        }
        return new OutputFormat(masks, tools);
    }

    /** A fresh splitter for one choice, or null when the request has no tools. */
    ToolCallSplitter toolParser() { return tools == null ? null : tools.get(); }

    /** One mask per choice (each keeps its own automaton state), or null for unconstrained output. */
    IntFunction<TokenMask> masks() {
        if (masks == null) return null;
        return i -> masks.newConstraint()::restrict;
    }
}

package dev.jllm.serve;

import dev.jllm.engine.batch.TokenMask;
import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.constrain.TokenMasks;
import dev.jllm.engine.tools.StreamingToolCallParser;

import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * What the request wants its output to look like beyond free text: JSON that a schema
 * constrains token by token ({@code response_format}), and tool calls to be parsed out of the
 * text ({@code tools}).
 */
final class OutputFormat {
    private final TokenMasks masks;
    private final Supplier<StreamingToolCallParser> tools;

    private OutputFormat(TokenMasks masks, Supplier<StreamingToolCallParser> tools) {
        this.masks = masks;
        this.tools = tools;
    }

    static OutputFormat of(ChatRequest r, ConstraintCache cache, ToolCalling tools) {
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
        Supplier<StreamingToolCallParser> parsers = null;
        if (r.toolsEnabled()) {
            if (masks == null) {
                ToolCalling.Forced forced = tools.forced(r);
                if (forced != null) masks = cache.masks(forced.key(), forced.grammar());
            }
            parsers = tools::parser;
        }
        return new OutputFormat(masks, parsers);
    }

    /** A fresh tool-call parser for one choice, or null when the request has no tools. */
    StreamingToolCallParser toolParser() { return tools == null ? null : tools.get(); }

    /** One mask per choice (each keeps its own automaton state), or null for unconstrained output. */
    IntFunction<TokenMask> masks() {
        if (masks == null) return null;
        return i -> masks.newConstraint()::restrict;
    }
}

package dev.jllm.engine.constrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.engine.constrain.Frame.Stack;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled grammar for constrained decoding: JSON text that validates against a JSON Schema
 * (or any JSON object, for {@code response_format: json_object}), optionally wrapped in fixed
 * text such as {@code <tool_call>…</tool_call>}. Compile once and share: it holds no per-request
 * state and is safe to use from many threads. Per request, make a {@link TokenConstraint}.
 *
 * <p>The language is a byte-level pushdown automaton over UTF-8 JSON: whitespace between tokens
 * is nothing, one space, or a newline plus up to {@value Frame#MAX_INDENT} bytes of indentation;
 * number digit runs are bounded, object keys
 * and enum values are written in compact form, and strings are valid UTF-8 with JSON escapes.
 */
public final class JsonSchemaGrammar {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RootFrame.Sequence sequence;
    private final List<String> specialTexts;

    private JsonSchemaGrammar(RootFrame.Sequence sequence, List<String> specialTexts) {
        this.sequence = sequence;
        this.specialTexts = List.copyOf(specialTexts);
    }

    /** Any JSON object (OpenAI's {@code response_format: {"type": "json_object"}}). */
    public static JsonSchemaGrammar anyObject() {
        return new JsonSchemaGrammar(new RootFrame.Sequence(new Object[]{SchemaNode.Any.ANY_OBJECT}, 1), List.of());
    }

    /** Text that validates against {@code schema}; properties in schema order, no undeclared ones unless allowed. */
    public static JsonSchemaGrammar compile(JsonNode schema) {
        return compile(schema, true, false);
    }

    public static JsonSchemaGrammar compile(String schemaJson) {
        return compile(parse(schemaJson));
    }

    /**
     * @param strict   properties not declared are refused unless {@code additionalProperties} allows them
     *                 (when it is absent, the schema itself allows them; strict output is valid either way)
     * @param anyOrder declared properties may come in any order instead of schema order
     * @throws IllegalArgumentException naming the keyword and path of what is not supported
     */
    public static JsonSchemaGrammar compile(JsonNode schema, boolean strict, boolean anyOrder) {
        return new JsonSchemaGrammar(new RootFrame.Sequence(new Object[]{SchemaCompiler.compile(schema, strict, anyOrder)}, 1), List.of());
    }

    /**
     * A sequence of fixed texts and JSON values: {@code parts} are {@code String}s (fixed text) and
     * {@code JsonNode}s (schemas), read {@code 1..maxRounds} times (whitespace allowed between rounds).
     *
     * @param specialTexts texts that the vocabulary may hold as special tokens (e.g. {@code <tool_call>},
     *                     {@code [TOOL_CALLS]}): those tokens are allowed where their text fits
     */
    public static JsonSchemaGrammar sequence(List<Object> parts, int maxRounds, List<String> specialTexts) {
        if (maxRounds < 1) throw new IllegalArgumentException("maxRounds must be >= 1, got " + maxRounds);
        List<Object> compiled = new ArrayList<>();
        for (Object p : parts) {
            switch (p) {
                case String s -> { if (!s.isEmpty()) compiled.add(s.getBytes(StandardCharsets.UTF_8)); }
                case JsonNode n -> compiled.add(SchemaCompiler.compile(n, true, false));
                default -> throw new IllegalArgumentException("a grammar part must be a String or a JsonNode schema, found " + p.getClass().getSimpleName());
            }
        }
        if (compiled.isEmpty()) throw new IllegalArgumentException("a grammar needs at least one part");
        return new JsonSchemaGrammar(new RootFrame.Sequence(compiled.toArray(), maxRounds), specialTexts);
    }

    /** The state before any output. */
    public AutomatonState initialState() {
        return new AutomatonState(new Stack[]{new Stack(new RootFrame(sequence, 0, 0, 0), null)});
    }

    /** Whether {@code text} is a complete sentence of this grammar. */
    public boolean accepts(String text) {
        AutomatonState s = initialState().step(text);
        return s != null && s.isComplete();
    }

    /** Whether {@code text} can still be completed to a sentence of this grammar. */
    public boolean acceptsPrefix(String text) {
        return initialState().step(text) != null;
    }

    /** Texts of special tokens that this grammar lets through where their text fits. */
    public List<String> specialTexts() { return specialTexts; }

    static JsonNode parse(String schemaJson) {
        try {
            return JSON.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON Schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}

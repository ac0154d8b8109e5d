package dev.jllm.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.constrain.JsonSchemaGrammar;

import java.util.ArrayList;
import java.util.List;

/**
 * The grammar that forces a tool call (OpenAI {@code tool_choice: "required"} or a named function):
 * the format's wrapper around a call object whose {@code name} is one of the functions and whose
 * arguments validate against that function's {@code parameters} schema.
 */
public final class ToolCallGrammar {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCallGrammar() {}

    /**
     * @param tools    OpenAI's {@code tools} array: {@code [{"type":"function","function":{"name","parameters",...}}]}
     * @param onlyName the function named by {@code tool_choice}, or null for any of them ("required")
     * @param maxCalls most calls in one output (1 unless parallel tool calls are on)
     * @throws IllegalArgumentException naming the tool whose schema is not supported
     */
    public static JsonSchemaGrammar compile(ToolCallFormat format, JsonNode tools, String onlyName, int maxCalls) {
        if (tools == null || !tools.isArray() || tools.isEmpty()) throw new IllegalArgumentException("tools must be a non-empty array");
        if (maxCalls < 1) throw new IllegalArgumentException("maxCalls must be >= 1, got " + maxCalls);
        String argsKey = format == ToolCallFormat.LLAMA3_JSON ? "parameters" : "arguments";
        ObjectNode defs = JSON.createObjectNode();
        ArrayNode alternatives = JSON.createArrayNode();
        List<String> names = new ArrayList<>();
        for (JsonNode t : tools) {
            JsonNode f = t.has("function") ? t.get("function") : t;
            if (!f.path("name").isTextual()) throw new IllegalArgumentException("a tool has no function name: " + t);
            String name = f.get("name").asText();
            names.add(name);
            if (onlyName != null && !onlyName.equals(name)) continue;
            JsonNode params = f.has("parameters") ? f.get("parameters").deepCopy() : JSON.createObjectNode().put("type", "object");
            try { // on its own first, so that an error names the tool and a path inside its parameters
                JsonSchemaGrammar.compile(params);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tool '" + name + "' parameters: " + e.getMessage(), e);
            }
            hoistDefinitions(params, defs, name);
            ObjectNode call = JSON.createObjectNode().put("type", "object");
            ObjectNode props = call.putObject("properties");
            props.putObject("name").put("const", name);
            props.set(argsKey, params);
            call.putArray("required").add("name").add(argsKey);
            call.put("additionalProperties", false);
            alternatives.add(call);
        }
        if (alternatives.isEmpty()) throw new IllegalArgumentException("tool_choice names '" + onlyName + "', which is not among the tools " + names);
        ObjectNode callSchema = alternatives.size() == 1 ? (ObjectNode) alternatives.get(0) : JSON.createObjectNode().set("anyOf", alternatives);
        if (!defs.isEmpty()) callSchema.set("$defs", defs);
        try {
            return switch (format) {
                case HERMES -> JsonSchemaGrammar.sequence(List.of("<tool_call>\n", callSchema, "\n</tool_call>"), maxCalls,
                        List.of("<tool_call>", "</tool_call>"));
                case LLAMA3_JSON -> JsonSchemaGrammar.sequence(List.of(callSchema), 1, List.of());
                case MISTRAL -> {
                    ObjectNode array = JSON.createObjectNode().put("type", "array").put("minItems", 1).put("maxItems", maxCalls);
                    array.set("items", callSchema.deepCopy());
                    if (!defs.isEmpty()) { ((ObjectNode) array.get("items")).remove("$defs"); array.set("$defs", defs); }
                    yield JsonSchemaGrammar.sequence(List.of("[TOOL_CALLS]", array), 1, List.of("[TOOL_CALLS]"));
                }
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tool parameters: " + e.getMessage(), e);
        }
    }

    /**
     * Moves a parameters schema's {@code $defs}/{@code definitions} to the call schema's root, where
     * its {@code #/$defs/...} references will look once it is nested.
     */
    private static void hoistDefinitions(JsonNode params, ObjectNode defs, String tool) {
        if (!(params instanceof ObjectNode p)) return;
        for (String key : List.of("$defs", "definitions")) {
            JsonNode d = p.remove(key);
            if (d == null) continue;
            if (key.equals("definitions")) rewriteRefs(p, "#/definitions/", "#/$defs/");
            for (var it = d.fields(); it.hasNext(); ) {
                var e = it.next();
                if (key.equals("definitions")) rewriteRefs(e.getValue(), "#/definitions/", "#/$defs/");
                JsonNode old = defs.get(e.getKey());
                if (old != null && !old.equals(e.getValue())) {
                    throw new IllegalArgumentException("tool '" + tool + "': definition '" + e.getKey() + "' differs from another tool's of the same name");
                }
                defs.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void rewriteRefs(JsonNode n, String from, String to) {
        if (n instanceof ObjectNode o) {
            JsonNode r = o.get("$ref");
            if (r != null && r.isTextual() && r.asText().startsWith(from)) o.put("$ref", to + r.asText().substring(from.length()));
            o.forEach(c -> rewriteRefs(c, from, to));
        } else if (n instanceof ArrayNode a) {
            a.forEach(c -> rewriteRefs(c, from, to));
        }
    }
}

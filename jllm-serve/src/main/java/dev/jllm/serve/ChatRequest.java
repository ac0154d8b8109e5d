package dev.jllm.serve;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.tokenizer.chat.ChatMessage;
import dev.jllm.tokenizer.chat.ContentPart;
import dev.jllm.tokenizer.chat.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed POST /v1/chat/completions body.
 *
 * @param tools          the request's {@code tools} array as sent (handed to the chat template), or null
 * @param toolChoice     "none", "auto", "required", or the name of the one function the model must call
 * @param responseFormat {@code text}, {@code json_object} or {@code json_schema}
 * @param schema         the JSON schema of {@code json_schema}, else null
 * @param strictSchema   {@code json_schema.strict}: properties the schema does not declare are refused
 */
record ChatRequest(String model, List<ChatMessage> messages, GenerationOptions options, JsonNode tools,
                   String toolChoice, boolean forcedFunction, boolean parallelToolCalls, String responseFormat,
                   JsonNode schema, boolean strictSchema) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    boolean toolsEnabled() {
        return tools != null && !tools.isEmpty() && !toolChoice.equals("none");
    }

    static ChatRequest parse(JsonNode body) {
        String model = JsonFields.requiredString(body, null, "model");
        JsonNode msgs = JsonFields.optArray(body, null, "messages");
        if (msgs == null) throw ApiException.invalid("messages", "'messages' is required");
        if (msgs.isEmpty()) throw ApiException.invalid("messages", "'messages' must hold at least one message");
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) messages.add(message(msgs.get(i), "messages[" + i + "]"));
        GenerationOptions opts = GenerationOptions.parse(body, List.of("max_completion_tokens", "max_tokens"), true);

        JsonNode tools = JsonFields.optArray(body, null, "tools");
        List<String> names = new ArrayList<>();
        if (tools != null) {
            for (int i = 0; i < tools.size(); i++) names.add(toolName(tools.get(i), "tools[" + i + "]"));
        }
        String choice = "auto";
        boolean forced = false;
        JsonNode tc = body.get("tool_choice");
        if (tc != null && !tc.isNull()) {
            if (tc.isTextual()) {
                choice = tc.asText();
                if (!Set.of("none", "auto", "required").contains(choice)) {
                    throw ApiException.invalid("tool_choice", "'tool_choice' must be 'none', 'auto', 'required' or "
                            + "{\"type\": \"function\", \"function\": {\"name\": ...}}, got '" + choice + "'");
                }
            } else if (tc.isObject()) {
                JsonNode fn = JsonFields.optObject(tc, "tool_choice", "function");
                if (fn == null) throw ApiException.invalid("tool_choice.function", "'tool_choice.function' is required");
                choice = JsonFields.requiredString(fn, "tool_choice.function", "name");
                forced = true;
                if (!names.contains(choice)) {
                    throw ApiException.invalid("tool_choice.function.name", "'tool_choice' names the function '" + choice
                            + "', which is not among 'tools' " + names);
                }
            } else {
                throw JsonFields.wrongType(null, "tool_choice", "a string or an object", tc);
            }
            if (!choice.equals("none") && names.isEmpty()) {
                throw ApiException.invalid("tool_choice", "'tool_choice' is '" + choice + "' but no 'tools' were given");
            }
        }
        boolean parallel = JsonFields.bool(body, null, "parallel_tool_calls", true);

        String format = "text";
        JsonNode schema = null;
        boolean strict = false;
        JsonNode rf = JsonFields.optObject(body, null, "response_format");
        if (rf != null) {
            format = JsonFields.requiredString(rf, "response_format", "type");
            switch (format) {
                case "text", "json_object" -> { }
                case "json_schema" -> {
                    JsonNode js = JsonFields.optObject(rf, "response_format", "json_schema");
                    if (js == null) throw ApiException.invalid("response_format.json_schema", "'response_format.json_schema' is required when type is 'json_schema'");
                    JsonFields.requiredString(js, "response_format.json_schema", "name");
                    schema = JsonFields.optObject(js, "response_format.json_schema", "schema");
                    if (schema == null) schema = JSON.createObjectNode().put("type", "object"); // OpenAI: absent schema = any JSON object ({} would allow any value)
                    strict = JsonFields.bool(js, "response_format.json_schema", "strict", false);
                }
                default -> throw ApiException.invalid("response_format.type", "'response_format.type' must be 'text', "
                        + "'json_object' or 'json_schema', got '" + format + "'");
            }
        }
        return new ChatRequest(model, messages, opts, tools == null || tools.isEmpty() ? null : tools, choice, forced,
                parallel, format, schema, strict);
    }

    private static String toolName(JsonNode t, String where) {
        if (!t.isObject()) throw JsonFields.wrongType(null, where, "an object", t);
        String type = JsonFields.requiredString(t, where, "type");
        if (!type.equals("function")) throw ApiException.invalid(where + ".type", "'" + where + ".type' must be 'function', got '" + type + "'");
        JsonNode fn = JsonFields.optObject(t, where, "function");
        if (fn == null) throw ApiException.invalid(where + ".function", "'" + where + ".function' is required");
        JsonFields.optObject(fn, where + ".function", "parameters");
        return JsonFields.requiredString(fn, where + ".function", "name");
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) throw JsonFields.wrongType(null, where, "an object", m);
        String role = JsonFields.requiredString(m, where, "role");
        if (!ROLES.contains(role)) {
            throw ApiException.invalid(where + ".role", "'" + where + ".role' must be one of system, developer, user, assistant, tool; got '" + role + "'");
        }
        if (role.equals("developer")) role = "system"; // OpenAI's newer name for the system role
        Object content = content(m.get("content"), where + ".content");
        List<ToolCall> calls = null;
        JsonNode tc = JsonFields.optArray(m, where, "tool_calls");
        if (tc != null) {
            if (!role.equals("assistant")) throw ApiException.invalid(where + ".tool_calls", "only assistant messages carry 'tool_calls'");
            calls = new ArrayList<>();
            for (int i = 0; i < tc.size(); i++) calls.add(toolCall(tc.get(i), where + ".tool_calls[" + i + "]"));
        }
        String toolCallId = JsonFields.optString(m, where, "tool_call_id");
        String name = JsonFields.optString(m, where, "name");
        if (role.equals("tool") && toolCallId == null) {
            throw ApiException.invalid(where + ".tool_call_id", "'" + where + ".tool_call_id' is required for role 'tool'");
        }
        if (content == null && calls == null) {
            throw ApiException.invalid(where + ".content", "'" + where + ".content' is required"
                    + (role.equals("assistant") ? " (unless the message has tool_calls)" : ""));
        }
        String reasoning = JsonFields.optString(m, where, "reasoning_content");
        return new ChatMessage(role, content, calls, toolCallId, role.equals("tool") || role.equals("user") ? name : null, reasoning);
    }

    /** A string, or an array of {type: "text", text} parts. */
    private static Object content(JsonNode c, String where) {
        if (c == null || c.isNull()) return null;
        if (c.isTextual()) return c.asText();
        if (!c.isArray()) throw JsonFields.wrongType(null, where, "a string or an array of content parts", c);
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            String pw = where + "[" + i + "]";
            JsonNode p = c.get(i);
            if (!p.isObject()) throw JsonFields.wrongType(null, pw, "an object", p);
            String type = JsonFields.requiredString(p, pw, "type");
            if (!type.equals("text")) {
                throw ApiException.invalid(pw + ".type", "'" + pw + ".type' is '" + type + "'; this server's models read text only (type 'text')");
            }
            parts.add(ContentPart.text(JsonFields.requiredString(p, pw, "text")));
        }
        return parts;
    }

    private static ToolCall toolCall(JsonNode c, String where) {
        if (!c.isObject()) throw JsonFields.wrongType(null, where, "an object", c);
        String id = JsonFields.optString(c, where, "id");
        JsonNode fn = JsonFields.optObject(c, where, "function");
        if (fn == null) throw ApiException.invalid(where + ".function", "'" + where + ".function' is required");
        String name = JsonFields.requiredString(fn, where + ".function", "name");
        JsonNode a = fn.get("arguments");
        Object args = null;
        if (a != null && !a.isNull()) {
            if (a.isTextual()) {
                // OpenAI sends arguments as a JSON string; most templates apply tojson to a dict, so parse it when it is one.
                try {
                    JsonNode parsed = JSON.readTree(a.asText());
                    args = parsed != null && parsed.isObject() ? JSON.convertValue(parsed, new TypeReference<Map<String, Object>>() { }) : a.asText();
                } catch (Exception e) {
                    args = a.asText();
                }
            } else if (a.isObject()) {
                args = JSON.convertValue(a, new TypeReference<Map<String, Object>>() { });
            } else {
                throw JsonFields.wrongType(where + ".function", "arguments", "a JSON string", a);
            }
        }
        return new ToolCall(id, name, args);
    }
}

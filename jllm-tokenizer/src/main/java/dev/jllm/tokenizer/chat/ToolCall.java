package dev.jllm.tokenizer.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A function call made by the assistant: {@code {"id", "type": "function", "function": {"name", "arguments"}}}.
 *
 * @param arguments a JSON object as {@code Map} (what most templates expect, they apply {@code tojson})
 *                  or a JSON string (what e.g. DeepSeek-V3's template pastes verbatim)
 */
public record ToolCall(String id, String name, Object arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        if (arguments != null && !(arguments instanceof Map) && !(arguments instanceof String)) {
            throw new IllegalArgumentException("tool call arguments must be a Map or a JSON string, found "
                    + arguments.getClass().getSimpleName());
        }
    }

    Map<String, Object> toTemplateValue() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("arguments", arguments == null ? Map.of() : arguments);
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) m.put("id", id);
        m.put("type", "function");
        m.put("function", function);
        return m;
    }
}

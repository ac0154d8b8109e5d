package dev.jllm.tokenizer.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One chat message as Hugging Face chat templates see it. Fields left null are absent from the
 * message dict (so {@code message.tool_calls is defined} is false), as when transformers is given
 * a dict without that key.
 *
 * @param role             "system", "user", "assistant", "tool", ...
 * @param content          a {@code String}, a {@code List<ContentPart>}, or null (e.g. an assistant turn that only calls tools)
 * @param toolCalls        the assistant's function calls, or null
 * @param toolCallId       for role "tool": the id of the call this is the result of
 * @param name             for role "tool": the function's name (some templates print it)
 * @param reasoningContent the assistant's reasoning ("thinking") kept apart from content (Qwen3), or null
 */
public record ChatMessage(String role, Object content, List<ToolCall> toolCalls, String toolCallId, String name,
                          String reasoningContent) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (content != null && !(content instanceof String) && !(content instanceof List<?>)) {
            throw new IllegalArgumentException("message content must be a String or a List<ContentPart>, found "
                    + content.getClass().getSimpleName());
        }
        if (content instanceof List<?> parts) {
            for (Object p : parts) {
                if (!(p instanceof ContentPart)) {
                    throw new IllegalArgumentException("message content parts must be ContentPart, found "
                            + (p == null ? "null" : p.getClass().getSimpleName()));
                }
            }
            content = List.copyOf(parts);
        }
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, null, null, null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, null, null, null, null);
    }

    public static ChatMessage user(List<ContentPart> parts) {
        return new ChatMessage("user", parts, null, null, null, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, null, null, null, null);
    }

    /** An assistant turn that calls tools; {@code content} may be null or "" (templates differ in what they expect). */
    public static ChatMessage assistantToolCalls(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, calls, null, null, null);
    }

    /** The result of a tool call, sent back to the model. */
    public static ChatMessage tool(String toolCallId, String name, String content) {
        return new ChatMessage("tool", content, null, toolCallId, name, null);
    }

    /** The message as the dict a template indexes: {@code role}, {@code content} (always present, maybe none), and the optional keys. */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        if (content instanceof List<?> parts) {
            List<Object> list = new ArrayList<>();
            for (Object p : parts) list.add(((ContentPart) p).toTemplateValue());
            m.put("content", list);
        } else {
            m.put("content", content);
        }
        if (toolCalls != null) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall c : toolCalls) calls.add(c.toTemplateValue());
            m.put("tool_calls", calls);
        }
        if (toolCallId != null) m.put("tool_call_id", toolCallId);
        if (name != null) m.put("name", name);
        if (reasoningContent != null) m.put("reasoning_content", reasoningContent);
        return m;
    }
}

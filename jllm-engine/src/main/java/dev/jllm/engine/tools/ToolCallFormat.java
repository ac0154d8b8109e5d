package dev.jllm.engine.tools;

import java.util.Locale;

/** How a model family writes tool calls (what its chat template teaches it). */
public enum ToolCallFormat {
    /** Hermes / Qwen 2.5+ / Qwen 3: {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}, one block per call. */
    HERMES,
    /**
     * Llama 3.1+ JSON tool calling: the message is {@code {"name": ..., "parameters": {...}}} (several
     * separated by {@code ;}), optionally after {@code <|python_tag|>}; after {@code <|python_tag|>} the
     * built-in form {@code tool.call(key="value", ...)} and raw code (a call of {@code python}) are read too.
     */
    LLAMA3_JSON,
    /** Mistral: {@code [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]}, or (newer tokenizers) {@code [TOOL_CALLS]name[ARGS]{...}}. */
    MISTRAL;

    /** The format a chat template writes, judged by the markers in its source; null if none is recognised. */
    public static ToolCallFormat detect(String chatTemplateSource) {
        if (chatTemplateSource == null) return null;
        if (chatTemplateSource.contains("<tool_call>")) return HERMES;
        if (chatTemplateSource.contains("[TOOL_CALLS]")) return MISTRAL;
        if (chatTemplateSource.contains("<|python_tag|>") || chatTemplateSource.contains("ipython")) return LLAMA3_JSON;
        return null;
    }

    public static ToolCallFormat named(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown tool call format '" + name + "' (known: hermes, llama3_json, mistral)");
        }
    }
}

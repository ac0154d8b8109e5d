package dev.jllm.tokenizer.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** One part of a multi-part message content, as in the OpenAI / HF format: {@code {"type": "text", "text": "..."}}. */
public record ContentPart(String type, String text) {
    public ContentPart {
        Objects.requireNonNull(type, "type");
    }

    public static ContentPart text(String text) {
        return new ContentPart("text", Objects.requireNonNull(text, "text"));
    }

    /** An image placeholder part ({@code {"type": "image"}}); templates such as Gemma 3 render a marker for it. */
    public static ContentPart image() {
        return new ContentPart("image", null);
    }

    Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (text != null) m.put("text", text);
        return m;
    }
}

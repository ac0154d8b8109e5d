package dev.jllm.engine.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Splits a complete model output into content and tool calls (the streaming parser, fed at once). */
public final class ToolCallParser {
    private ToolCallParser() {}

    /** @param content the text outside tool calls, trimmed (empty when the output was only calls) */
    public record Parsed(String content, List<ToolCall> calls) {}

    public static Parsed parse(String output, ToolCallFormat format) {
        return parse(output, format, StreamingToolCallParser.defaultIds(format));
    }

    public static Parsed parse(String output, ToolCallFormat format, Supplier<String> ids) {
        StreamingToolCallParser p = new StreamingToolCallParser(format, ids);
        List<ToolCallEvent> events = new ArrayList<>(p.feed(output));
        events.addAll(p.finish());
        return collect(events);
    }

    /** Folds streamed events into the content and the calls. */
    public static Parsed collect(List<ToolCallEvent> events) {
        StringBuilder content = new StringBuilder();
        Map<Integer, String[]> calls = new LinkedHashMap<>(); // index -> {id, name, arguments}
        for (ToolCallEvent e : events) {
            switch (e) {
                case ToolCallEvent.Content c -> content.append(c.text());
                case ToolCallEvent.CallStart s -> calls.put(s.index(), new String[]{s.id(), s.name(), ""});
                case ToolCallEvent.ArgumentsDelta d -> calls.get(d.index())[2] += d.json();
                case ToolCallEvent.CallEnd x -> { }
            }
        }
        List<ToolCall> list = new ArrayList<>();
        for (String[] c : calls.values()) list.add(new ToolCall(c[0], c[1], c[2].strip()));
        return new Parsed(content.toString(), list);
    }
}

package dev.jllm.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads model output as it streams and separates tool calls from content: a call's name is
 * reported as soon as it is known and its arguments as they arrive; text that might be the start
 * of a call marker is held back until it is clear. Content is trimmed at both ends (the blanks
 * around a call belong to no one). One parser per output; not thread-safe.
 */
public final class StreamingToolCallParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A call object that begins with its name and then its arguments (the usual order), up to the arguments value. */
    private static final Pattern HEAD = Pattern.compile("\\{\\s*\"name\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,\\s*\"(?:arguments|parameters)\"\\s*:\\s*");
    private static final Pattern MISTRAL_NAME = Pattern.compile("[A-Za-z0-9_.\\-]*");
    private static final Pattern BUILTIN_CALL = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\.call\\((.*)\\)\\s*", Pattern.DOTALL);

    private enum State { TEXT, OPEN, HEAD, ARGS, TAIL, WHOLE, AFTER, MISTRAL_START, PYTHON_START, PYTHON_RAW }

    private final ToolCallFormat format;
    private final Supplier<String> ids;
    private final String marker;
    private final StringBuilder buf = new StringBuilder();
    private State state = State.TEXT;
    private boolean atEnd, started, contentOnly, mistralArray, mistralNamed;
    private String pendingWs = "";
    private boolean anyContent;
    private int index = -1;
    private JsonValueScanner scanner;
    private int scanned;
    private List<ToolCallEvent> out;

    public StreamingToolCallParser(ToolCallFormat format) {
        this(format, defaultIds(format));
    }

    /** @param ids makes the id of each call that does not carry its own */
    public StreamingToolCallParser(ToolCallFormat format, Supplier<String> ids) {
        this.format = format;
        this.ids = ids;
        this.marker = switch (format) {
            case HERMES -> "<tool_call>";
            case MISTRAL -> "[TOOL_CALLS]";
            case LLAMA3_JSON -> "<|python_tag|>";
        };
    }

    /** OpenAI-style ids ({@code call_} + 24 characters); Mistral's templates want 9 alphanumerics. */
    static Supplier<String> defaultIds(ToolCallFormat f) {
        String abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return () -> {
            StringBuilder b = new StringBuilder(f == ToolCallFormat.MISTRAL ? "" : "call_");
            for (int i = 0, n = f == ToolCallFormat.MISTRAL ? 9 : 24; i < n; i++) b.append(abc.charAt(ThreadLocalRandom.current().nextInt(abc.length())));
            return b.toString();
        };
    }

    /** Reads more output; returns what became clear. */
    public List<ToolCallEvent> feed(String text) {
        if (atEnd) throw new IllegalStateException("the output already ended");
        out = new ArrayList<>();
        buf.append(text);
        while (step()) { /* until it needs more input */ }
        return out;
    }

    /** The output ended: reports what was held back (an unfinished call is ended with what arrived). */
    public List<ToolCallEvent> finish() {
        out = new ArrayList<>();
        atEnd = true;
        while (step()) { /* drain */ }
        switch (state) {
            case ARGS, TAIL -> { if (!buf.isEmpty()) delta(take(buf.length())); endCall(); }
            case PYTHON_RAW -> pythonCall(take(buf.length()));
            default -> content(take(buf.length()));
        }
        pendingWs = "";
        state = State.TEXT;
        return out;
    }

    /** One move; false when more input is needed (or, at the end, nothing more can be done). */
    private boolean step() {
        switch (state) {
            case TEXT -> { return text(); }
            case OPEN -> {
                skipWhitespace();
                if (buf.isEmpty()) return false;
                if (buf.charAt(0) != '{') { state = State.TEXT; contentOnly = format == ToolCallFormat.LLAMA3_JSON; return true; }
                state = State.HEAD;
                return true;
            }
            case HEAD -> { return head(); }
            case ARGS -> { return args(); }
            case TAIL -> {
                skipWhitespace();
                if (buf.isEmpty()) return false;
                if (buf.charAt(0) == '}') {
                    take(1);
                    endCall();
                    state = State.AFTER;
                    return true;
                }
                // More keys after the arguments (e.g. an "id"): skip to the object's end.
                scanner = new JsonValueScanner();
                scanner.scan("{", 0);
                int end = scanner.scan(buf, 0);
                if (end < 0) return false;
                take(end);
                endCall();
                state = State.AFTER;
                return true;
            }
            case WHOLE -> { return whole(); }
            case AFTER -> { return after(); }
            case MISTRAL_START -> { return mistralStart(); }
            case PYTHON_START -> {
                skipWhitespace();
                if (buf.isEmpty()) return false;
                state = buf.charAt(0) == '{' ? State.OPEN : State.PYTHON_RAW;
                return true;
            }
            case PYTHON_RAW -> { return false; }
        }
        return false;
    }

    private boolean text() {
        if (format == ToolCallFormat.LLAMA3_JSON && !started && !contentOnly) {
            // Llama 3.1 writes a JSON call as the whole message: look at the first non-blank character.
            int i = 0;
            while (i < buf.length() && Character.isWhitespace(buf.charAt(i))) i++;
            if (i == buf.length()) return false;
            started = true;
            if (buf.charAt(i) == '{') { take(i); state = State.OPEN; return true; }
        }
        if (contentOnly && format != ToolCallFormat.LLAMA3_JSON) { content(take(buf.length())); return false; }
        int at = buf.indexOf(marker);
        if (at >= 0) {
            content(take(at));
            take(marker.length());
            started = true;
            state = switch (format) {
                case HERMES -> State.OPEN;
                case MISTRAL -> State.MISTRAL_START;
                case LLAMA3_JSON -> State.PYTHON_START;
            };
            return true;
        }
        int hold = atEnd ? 0 : heldBack();
        content(take(buf.length() - hold));
        return false;
    }

    /** Length of the longest tail of the buffer that is a proper prefix of the marker. */
    private int heldBack() {
        for (int k = Math.min(marker.length() - 1, buf.length()); k > 0; k--) {
            if (buf.substring(buf.length() - k).equals(marker.substring(0, k))) return k;
        }
        return 0;
    }

    private boolean head() {
        Matcher m = HEAD.matcher(buf);
        if (m.lookingAt()) {
            String name;
            try {
                name = JSON.readValue("\"" + m.group(1) + "\"", String.class);
            } catch (Exception e) {
                name = m.group(1);
            }
            take(m.end());
            startCall(ids.get(), name);
            scanner = new JsonValueScanner();
            state = State.ARGS;
            return true;
        }
        if (m.hitEnd() && !atEnd) return false;
        // Not name-first: read the whole object, then decide.
        scanner = new JsonValueScanner();
        scanned = 0;
        state = State.WHOLE;
        return true;
    }

    private boolean args() {
        int end = scanner.scan(buf, 0);
        if (end < 0) {
            if (atEnd && scanner.inScalar()) end = buf.length();
            else {
                if (!buf.isEmpty()) delta(take(buf.length()));
                return false;
            }
        }
        delta(take(end));
        if (format == ToolCallFormat.MISTRAL && mistralNamed) {
            endCall();
            state = State.TEXT;
        } else {
            state = State.TAIL;
        }
        return true;
    }

    private boolean whole() {
        int end = scanner.scan(buf, scanned);
        if (end < 0) {
            scanned = buf.length();
            if (!atEnd) return false;
            state = State.TEXT;
            contentOnly = true;
            content(take(buf.length()));
            return false;
        }
        String obj = take(end);
        JsonNode n = null;
        try {
            n = JSON.readTree(obj);
        } catch (Exception notJson) {
            // falls through to content
        }
        JsonNode args = n == null ? null : n.has("arguments") ? n.get("arguments") : n.get("parameters");
        if (n != null && n.isObject() && n.path("name").isTextual() && args != null) {
            startCall(n.path("id").isTextual() ? n.get("id").asText() : ids.get(), n.get("name").asText());
            delta(args.isTextual() ? args.asText() : args.toString());
            endCall();
            state = State.AFTER;
        } else {
            content(obj);
            state = State.TEXT;
            contentOnly = format == ToolCallFormat.LLAMA3_JSON;
        }
        return true;
    }

    private boolean after() {
        switch (format) {
            case HERMES -> {
                skipWhitespace();
                String close = "</tool_call>";
                if (buf.length() < close.length() && close.startsWith(buf.toString()) && !atEnd) return false;
                if (buf.indexOf(close) == 0) take(close.length());
                state = State.TEXT;
                return true;
            }
            case MISTRAL -> {
                skipWhitespace();
                if (buf.isEmpty()) return false;
                if (mistralArray && buf.charAt(0) == ',') { take(1); state = State.OPEN; return true; }
                if (mistralArray && buf.charAt(0) == ']') take(1);
                mistralArray = false;
                state = State.TEXT;
                return true;
            }
            case LLAMA3_JSON -> {
                skipWhitespace();
                if (buf.isEmpty()) return false;
                if (buf.charAt(0) == ';') { take(1); skipWhitespace(); if (buf.isEmpty() && !atEnd) { state = State.OPEN; return false; } }
                if (!buf.isEmpty() && buf.charAt(0) == '{') { state = State.OPEN; return true; }
                state = State.TEXT;
                contentOnly = true;
                return true;
            }
        }
        return false;
    }

    private boolean mistralStart() {
        skipWhitespace();
        if (buf.isEmpty()) return false;
        if (buf.charAt(0) == '[' && !buf.toString().startsWith("[ARGS]")) {
            take(1);
            mistralArray = true;
            state = State.OPEN;
            return true;
        }
        // Newer tokenizers: [TOOL_CALLS]name[ARGS]{...}
        int args = buf.indexOf("[ARGS]");
        String name = args >= 0 ? buf.substring(0, args) : buf.toString();
        if (args < 0) { // a tail that may be the start of [ARGS] is not part of the name
            for (int k = Math.min(5, name.length()); k > 0; k--) {
                if ("[ARGS]".startsWith(name.substring(name.length() - k))) { name = name.substring(0, name.length() - k); break; }
            }
        }
        Matcher m = MISTRAL_NAME.matcher(name);
        if (!m.matches()) {
            state = State.TEXT;
            content(take(buf.length()));
            return false;
        }
        if (args < 0) {
            if (!atEnd) return false;
            state = State.TEXT;
            return true;
        }
        take(args + "[ARGS]".length());
        mistralNamed = true;
        startCall(ids.get(), name);
        scanner = new JsonValueScanner();
        state = State.ARGS;
        return true;
    }

    /** Llama's built-in tools: {@code brave_search.call(query="...")}, else code for the {@code python} tool. */
    private void pythonCall(String raw) {
        Matcher m = BUILTIN_CALL.matcher(raw);
        ObjectNode args = JSON.createObjectNode();
        String name;
        if (m.matches() && parseKwargs(m.group(2), args)) {
            name = m.group(1);
        } else {
            name = "python";
            args = JSON.createObjectNode().put("code", raw.strip());
        }
        startCall(ids.get(), name);
        delta(args.toString());
        endCall();
    }

    /** {@code key="v", n=3, flag=True}; false if it is not that simple form. */
    private static boolean parseKwargs(String s, ObjectNode into) {
        Matcher m = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|-?[0-9.eE+\\-]+|True|False|None)\\s*(,|$)").matcher(s);
        int pos = 0;
        while (pos < s.length() && m.find(pos) && m.start() == pos) {
            String v = m.group(2);
            switch (v) {
                case "True" -> into.put(m.group(1), true);
                case "False" -> into.put(m.group(1), false);
                case "None" -> into.putNull(m.group(1));
                default -> {
                    if (v.startsWith("\"") || v.startsWith("'")) into.put(m.group(1), v.substring(1, v.length() - 1).replace("\\" + v.charAt(0), String.valueOf(v.charAt(0))));
                    else {
                        try { into.set(m.group(1), JSON.readTree(v)); } catch (Exception e) { return false; }
                    }
                }
            }
            pos = m.end();
        }
        return pos == s.length() && !s.isBlank();
    }

    private void startCall(String id, String name) {
        index++;
        pendingWs = ""; // blanks between content and a call belong to neither
        out.add(new ToolCallEvent.CallStart(index, id, name));
    }

    private void delta(String json) { if (!json.isEmpty()) out.add(new ToolCallEvent.ArgumentsDelta(index, json)); }

    private void endCall() { out.add(new ToolCallEvent.CallEnd(index)); }

    /** Emits content, dropping leading blanks of the output and holding back trailing ones until more text follows. */
    private void content(String s) {
        s = pendingWs + s;
        if (!anyContent) s = s.stripLeading();
        String t = s.stripTrailing();
        pendingWs = s.substring(t.length());
        if (!t.isEmpty()) {
            out.add(new ToolCallEvent.Content(t));
            anyContent = true;
        }
    }

    private void skipWhitespace() {
        int i = 0;
        while (i < buf.length() && Character.isWhitespace(buf.charAt(i))) i++;
        take(i);
    }

    private String take(int n) {
        String s = buf.substring(0, n);
        buf.delete(0, n);
        return s;
    }
}

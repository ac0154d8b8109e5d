package dev.jllm.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.objects.collections.PyMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts Java and JSON values to the values templates see, and template values to Python's text for them. */
final class TemplateValues {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TemplateValues() {
    }

    /**
     * Deep-copies {@code v} into the mutable, insertion-ordered dicts and lists jinjava works with
     * (PyMap / PyList: Python's {@code items()}, {@code append} and tuple unpacking rely on them).
     */
    static Object toTemplate(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return f.doubleValue();
        if (v instanceof Number) return v;
        if (v instanceof CharSequence cs) return cs.toString();
        if (v instanceof JsonNode node) return toTemplate(JSON.convertValue(node, Object.class));
        if (v instanceof ChatMessage m) return toTemplate(m.toTemplateValue());
        if (v instanceof ToolCall c) return toTemplate(c.toTemplateValue());
        if (v instanceof ContentPart p) return toTemplate(p.toTemplateValue());
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new IllegalArgumentException("template context: dict keys must be strings, found "
                            + PythonMethods.typeName(e.getKey()));
                }
                out.put(k, toTemplate(e.getValue()));
            }
            return new PyMap(out);
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object x : c) out.add(toTemplate(x));
            return new PyList(out);
        }
        if (v instanceof Object[] arr) return toTemplate(List.of(arr));
        throw new IllegalArgumentException("template context: unsupported value type " + v.getClass().getName());
    }

    /** Python's {@code str(v)}: how {@code {{ v }}} and {@code ~} print a value. */
    static String pythonStr(Object v) {
        if (v == null) return "None";
        if (v instanceof String s) return s;
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double || v instanceof Float) return PythonJson.floatRepr(((Number) v).doubleValue());
        if (v instanceof Number n) return n.toString();
        return repr(v);
    }

    /** Python's {@code repr(v)} for the value types templates use (lists and dicts print their items' repr). */
    static String repr(Object v) {
        if (v instanceof String s) {
            boolean dq = s.indexOf('\'') >= 0 && s.indexOf('"') < 0;
            char q = dq ? '"' : '\'';
            StringBuilder sb = new StringBuilder().append(q);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c == q) sb.append('\\').append(c);
                        else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            return sb.append(q).toString();
        }
        if (v instanceof Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (v instanceof Map.Entry<?, ?> e) return "(" + repr(e.getKey()) + ", " + repr(e.getValue()) + ")";
        if (v instanceof Iterable<?> it) {
            StringBuilder sb = new StringBuilder("[");
            boolean first = true;
            for (Object x : it) {
                if (!first) sb.append(", ");
                first = false;
                sb.append(repr(x));
            }
            return sb.append(']').toString();
        }
        return pythonStr(v);
    }
}

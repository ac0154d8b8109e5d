package dev.jllm.tokenizer.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}
 * writes it, which is what transformers' {@code tojson} filter calls. The differences from Jackson
 * that matter in chat templates: ", " and ": " separators, "," before a newline when indenting,
 * insertion order of keys, non-ASCII left as is, and Python's float repr.
 */
final class PythonJson {
    private final Integer indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    PythonJson(Integer indent, List<String> separators, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        if (separators != null) {
            if (separators.size() != 2) {
                throw new TemplateException("tojson: separators must be a pair (item, key), found " + separators, false);
            }
            this.itemSeparator = separators.get(0);
            this.keySeparator = separators.get(1);
        } else {
            this.itemSeparator = indent != null ? "," : ", ";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    String dump(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private void write(StringBuilder sb, Object v, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof CharSequence s) {
            writeString(sb, s.toString());
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            sb.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            sb.append(n instanceof BigDecimal bd ? bd.toPlainString() : n.toString());
        } else if (v instanceof Map<?, ?> map) {
            writeObject(sb, map, depth);
        } else if (v instanceof Collection<?> c) {
            writeArray(sb, c, depth);
        } else if (v instanceof Object[] arr) {
            writeArray(sb, List.of(arr), depth);
        } else if (v instanceof Map.Entry<?, ?> e) {
            writeArray(sb, java.util.Arrays.asList(e.getKey(), e.getValue()), depth);
        } else {
            throw new TemplateException("tojson: object of type " + v.getClass().getSimpleName()
                    + " is not JSON serializable", false);
        }
    }

    private void writeArray(StringBuilder sb, Collection<?> c, int depth) {
        if (c.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        boolean first = true;
        for (Object x : c) {
            if (!first) sb.append(itemSeparator);
            first = false;
            newline(sb, depth + 1);
            write(sb, x, depth + 1);
        }
        newline(sb, depth);
        sb.append(']');
    }

    private void writeObject(StringBuilder sb, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) entries.sort((a, b) -> keyText(a.getKey()).compareTo(keyText(b.getKey())));
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) sb.append(itemSeparator);
            first = false;
            newline(sb, depth + 1);
            writeString(sb, keyText(e.getKey()));
            sb.append(keySeparator);
            write(sb, e.getValue(), depth + 1);
        }
        newline(sb, depth);
        sb.append('}');
    }

    /** Python converts bool/None/number keys to their JSON text; anything else is a TypeError. */
    private static String keyText(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Double || k instanceof Float) return floatRepr(((Number) k).doubleValue());
        if (k instanceof Number n) return n.toString();
        throw new TemplateException("tojson: keys must be str, int, float, bool or None, not "
                + k.getClass().getSimpleName(), false);
    }

    private void newline(StringBuilder sb, int depth) {
        if (indent == null) return;
        sb.append('\n');
        sb.append(" ".repeat(indent * depth));
    }

    private void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Java's Double.toString also yields the shortest round-trip digits (JDK 19+); re-lay them out.
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
        if (digits.length() <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length()) + ".0";
        return sign + digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
    }
}

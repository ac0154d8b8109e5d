package dev.jllm.formats;

import java.lang.reflect.Array;

/**
 * Short readable renderings of metadata values in the plain-Java convention (see
 * {@link WeightFile#metadata()}): strings quoted and escaped, long arrays abbreviated as
 * {@code [151936 strings: "!", "\"", …]}.
 */
public final class MetadataText {
    private MetadataText() {}

    public static String display(Object v, int maxItems) {
        if (v == null) return "null";
        if (v instanceof String s) return quote(s);
        if (!v.getClass().isArray()) return String.valueOf(v);
        int n = Array.getLength(v);
        StringBuilder sb = new StringBuilder("[");
        boolean abbreviated = n > maxItems;
        if (abbreviated) sb.append(n).append(' ').append(plural(v.getClass().getComponentType())).append(": ");
        for (int i = 0; i < Math.min(n, maxItems); i++) {
            if (i > 0) sb.append(", ");
            sb.append(display(Array.get(v, i), maxItems));
        }
        if (abbreviated) sb.append(", …");
        return sb.append(']').toString();
    }

    private static String plural(Class<?> c) {
        if (c == String.class) return "strings";
        if (c.isArray() || c == Object.class) return "arrays";
        return c.getSimpleName().toLowerCase() + "s";
    }

    /** A string in double quotes with control characters escaped; very long strings are cut. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(s.length(), 200);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        if (s.length() > limit) sb.append("…(").append(s.length()).append(" chars)");
        return sb.append('"').toString();
    }
}

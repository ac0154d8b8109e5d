package dev.jllm.formats.gguf;

import java.lang.reflect.Array;

/** Short human-readable renderings of metadata values for {@code jllm inspect}. */
final class GgufValueText {
    private GgufValueText() {}

    static String display(GgufValue v, int maxItems) {
        if (v.type() != GgufType.ARRAY) return scalar(v.type(), v.value());
        int n = v.length();
        StringBuilder sb = new StringBuilder("[");
        boolean abbreviated = n > maxItems;
        if (abbreviated) sb.append(n).append(' ').append(plural(v.elementType())).append(": ");
        int shown = Math.min(n, maxItems);
        for (int i = 0; i < shown; i++) {
            if (i > 0) sb.append(", ");
            sb.append(item(v, i, maxItems));
        }
        if (abbreviated) sb.append(", …");
        return sb.append(']').toString();
    }

    private static String item(GgufValue v, int i, int maxItems) {
        Object arr = v.value();
        GgufType t = v.elementType();
        return switch (t) {
            case ARRAY -> display(((GgufValue[]) arr)[i], maxItems);
            case UINT8 -> Integer.toString(Byte.toUnsignedInt(((byte[]) arr)[i]));
            case UINT16 -> Integer.toString(Short.toUnsignedInt(((short[]) arr)[i]));
            case UINT32 -> Integer.toUnsignedString(((int[]) arr)[i]);
            case UINT64 -> Long.toUnsignedString(((long[]) arr)[i]);
            case STRING -> quote(((String[]) arr)[i]);
            default -> String.valueOf(Array.get(arr, i));
        };
    }

    private static String scalar(GgufType t, Object value) {
        return switch (t) {
            case UINT64 -> Long.toUnsignedString((Long) value);
            case STRING -> quote((String) value);
            default -> String.valueOf(value);
        };
    }

    private static String plural(GgufType t) {
        return switch (t) {
            case STRING -> "strings";
            case ARRAY -> "arrays";
            case BOOL -> "bools";
            default -> t.name().toLowerCase() + "s";
        };
    }

    static String quote(String s) {
        return dev.jllm.formats.MetadataText.quote(s);
    }
}

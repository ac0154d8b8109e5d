package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of request fields. A field of the wrong JSON type or out of range is a 400 that
 * names the field by its path (e.g. {@code messages[2].content}), the way OpenAI reports it.
 */
final class JsonFields {
    private JsonFields() {}

    static boolean present(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        return v != null && !v.isNull();
    }

    static String path(String parent, String field) {
        return parent == null || parent.isEmpty() ? field : parent + "." + field;
    }

    static String requiredString(JsonNode obj, String parent, String field) {
        String s = optString(obj, parent, field);
        if (s == null) throw ApiException.invalid(path(parent, field), "'" + path(parent, field) + "' is required");
        return s;
    }

    static String optString(JsonNode obj, String parent, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw wrongType(parent, field, "a string", v);
        return v.asText();
    }

    static Boolean optBoolean(JsonNode obj, String parent, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw wrongType(parent, field, "a boolean", v);
        return v.asBoolean();
    }

    static boolean bool(JsonNode obj, String parent, String field, boolean dflt) {
        Boolean b = optBoolean(obj, parent, field);
        return b == null ? dflt : b;
    }

    /** An integer in [min, max]; a float with an integral value (2.0) is accepted, as Python clients send it. */
    static Integer optInt(JsonNode obj, String parent, String field, long min, long max) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber() || (!v.isIntegralNumber() && v.asDouble() != Math.rint(v.asDouble()))) {
            throw wrongType(parent, field, "an integer", v);
        }
        double d = v.asDouble();
        if (d < min || d > max) {
            throw ApiException.invalid(path(parent, field), "'" + path(parent, field) + "' must be between " + min + " and "
                    + max + ", got " + v.asText());
        }
        return (int) v.asLong();
    }

    static Long optLong(JsonNode obj, String parent, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw wrongType(parent, field, "an integer", v);
        return v.asLong();
    }

    static Double optNumber(JsonNode obj, String parent, String field, double min, double max) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw wrongType(parent, field, "a number", v);
        double d = v.asDouble();
        if (!(d >= min && d <= max)) {
            throw ApiException.invalid(path(parent, field), "'" + path(parent, field) + "' must be between " + fmt(min) + " and "
                    + fmt(max) + ", got " + v.asText());
        }
        return d;
    }

    static JsonNode optObject(JsonNode obj, String parent, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isObject()) throw wrongType(parent, field, "an object", v);
        return v;
    }

    static JsonNode optArray(JsonNode obj, String parent, String field) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw wrongType(parent, field, "an array", v);
        return v;
    }

    /** {@code stop}: a string or an array of up to {@code max} non-empty strings. */
    static List<String> stops(JsonNode obj, int max) {
        JsonNode v = obj.get("stop");
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) return out;
        if (v.isTextual()) {
            out.add(v.asText());
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) throw wrongType(null, "stop[" + i + "]", "a string", v.get(i));
                out.add(v.get(i).asText());
            }
        } else {
            throw wrongType(null, "stop", "a string or an array of strings", v);
        }
        if (out.size() > max) throw ApiException.invalid("stop", "'stop' may hold at most " + max + " sequences, got " + out.size());
        for (String s : out) if (s.isEmpty()) throw ApiException.invalid("stop", "'stop' sequences must not be empty");
        return out;
    }

    static ApiException wrongType(String parent, String field, String expected, JsonNode found) {
        String p = path(parent, field);
        return ApiException.invalid(p, "'" + p + "' must be " + expected + ", got " + describe(found));
    }

    static String describe(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number " + v.asText();
            case BOOLEAN -> "the boolean " + v.asText();
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase();
        };
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}

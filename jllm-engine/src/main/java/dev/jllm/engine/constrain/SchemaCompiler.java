package dev.jllm.engine.constrain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.engine.constrain.SchemaNode.Any;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Schema (the subset in {@link #SUPPORTED}) to {@link SchemaNode}s. Anything else that
 * constrains values is refused with the keyword and the schema path, rather than silently
 * producing output the schema would reject.
 */
final class SchemaCompiler {
    static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties", "items",
            "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "minLength", "maxLength",
            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    /** Keywords that describe but do not constrain (format is an annotation by default in 2019-09 and later). */
    static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$id", "$comment",
            "format", "deprecated", "readOnly", "writeOnly", "$defs", "definitions", "contentMediaType", "contentEncoding");
    private static final Set<String> OBJECT_KEYS = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KEYS = Set.of("items", "minItems", "maxItems");
    private static final Set<String> STRING_KEYS = Set.of("minLength", "maxLength");
    private static final Set<String> NUMBER_KEYS = Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode root;
    private final boolean strict;
    private final boolean anyOrder;
    private final Map<String, SchemaNode.Ref> refs = new HashMap<>();
    private final Deque<SchemaNode.Ref> unresolved = new ArrayDeque<>();
    private final List<Map.Entry<SchemaNode.Union, String>> oneOfs = new ArrayList<>(); // checked once refs resolve

    /**
     * @param strict   an object schema that declares properties but says nothing of
     *                 {@code additionalProperties} gets no undeclared ones (the generated text is
     *                 valid either way; this keeps the model to the declared keys)
     * @param anyOrder declared properties may come in any order (else schema order)
     */
    private SchemaCompiler(JsonNode root, boolean strict, boolean anyOrder) {
        this.root = root;
        this.strict = strict;
        this.anyOrder = anyOrder;
    }

    static SchemaNode compile(JsonNode schema, boolean strict, boolean anyOrder) {
        SchemaCompiler c = new SchemaCompiler(schema, strict, anyOrder);
        SchemaNode top = c.node(schema, "");
        while (!c.unresolved.isEmpty()) {
            SchemaNode.Ref r = c.unresolved.poll();
            r.target = c.node(c.resolve(r.pointer), r.pointer.substring(1));
        }
        for (SchemaNode.Ref r : c.refs.values()) {
            Map<SchemaNode, Boolean> chain = new IdentityHashMap<>();
            SchemaNode n = r;
            while (n instanceof SchemaNode.Ref x) {
                if (chain.put(x, true) != null) throw new IllegalArgumentException("JSON Schema: $ref '" + r.pointer + "' refers to itself without a value in between");
                n = x.target;
            }
        }
        for (Map.Entry<SchemaNode.Union, String> e : c.oneOfs) {
            int[] pair = OneOfOverlap.firstOverlap(e.getKey());
            if (pair != null) {
                throw error(e.getValue(), "'oneOf' alternatives " + pair[0] + " and " + pair[1] + " may both match one value, "
                        + "which oneOf forbids, so valid output cannot be guaranteed (use anyOf, or make them disjoint: "
                        + "different types, or a required property with different const/enum values)");
            }
        }
        return top;
    }

    private SchemaNode node(JsonNode s, String path) {
        if (s.isBoolean()) {
            if (s.booleanValue()) return Any.INSTANCE;
            throw error(path, "the schema 'false' allows no value");
        }
        if (!s.isObject()) throw error(path, "a schema must be an object or a boolean, found " + s.getNodeType());
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!SUPPORTED.contains(k) && !ANNOTATIONS.contains(k)) {
                throw error(path, "unsupported keyword '" + k + "' (supported: " + String.join(", ", new java.util.TreeSet<>(SUPPORTED))
                        + "; annotations such as title/description/format are ignored)");
            }
        }
        if (s.has("$ref")) {
            only(s, path, "$ref", Set.of());
            return ref(s.get("$ref"), path);
        }
        for (String comb : List.of("anyOf", "oneOf", "allOf")) {
            if (!s.has(comb)) continue;
            only(s, path, comb, Set.of());
            JsonNode alts = s.get(comb);
            if (!alts.isArray() || alts.isEmpty()) throw error(path, "'" + comb + "' must be a non-empty array");
            if (comb.equals("allOf")) {
                if (alts.size() != 1) throw error(path, "'allOf' with more than one schema is not supported (merge them into one)");
                return node(alts.get(0), path + "/allOf/0");
            }
            List<SchemaNode> nodes = new ArrayList<>();
            for (int i = 0; i < alts.size(); i++) nodes.add(node(alts.get(i), path + "/" + comb + "/" + i));
            if (nodes.size() == 1) return nodes.getFirst();
            SchemaNode.Union u = new SchemaNode.Union(nodes.toArray(SchemaNode[]::new));
            if (comb.equals("oneOf")) oneOfs.add(Map.entry(u, path));
            return u;
        }
        if (s.has("const") || s.has("enum")) return literals(s, path);
        JsonNode type = s.get("type");
        if (type == null) {
            if (hasAny(s, OBJECT_KEYS)) return object(s, path);
            if (hasAny(s, ARRAY_KEYS)) return array(s, path);
            if (hasAny(s, STRING_KEYS)) return string(s, path);
            if (hasAny(s, NUMBER_KEYS)) return number(s, false, path);
            return Any.INSTANCE;
        }
        if (type.isArray()) {
            if (type.isEmpty()) throw error(path, "'type' is an empty list");
            List<SchemaNode> nodes = new ArrayList<>();
            for (JsonNode t : type) nodes.add(typed(typeName(t, path), s, path));
            return nodes.size() == 1 ? nodes.getFirst() : new SchemaNode.Union(nodes.toArray(SchemaNode[]::new));
        }
        return typed(typeName(type, path), s, path);
    }

    private SchemaNode typed(String type, JsonNode s, String path) {
        return switch (type) {
            case "object" -> object(s, path);
            case "array" -> array(s, path);
            case "string" -> string(s, path);
            case "number" -> number(s, false, path);
            case "integer" -> number(s, true, path);
            case "boolean" -> SchemaNode.Literals.of("true", "false");
            case "null" -> SchemaNode.Literals.of("null");
            default -> throw error(path, "unknown type '" + type + "' (expected object, array, string, number, integer, boolean or null)");
        };
    }

    private SchemaNode object(JsonNode s, String path) {
        JsonNode props = s.path("properties");
        if (!props.isMissingNode() && !props.isObject()) throw error(path, "'properties' must be an object");
        List<String> names = new ArrayList<>();
        List<SchemaNode> values = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            names.add(e.getKey());
            values.add(node(e.getValue(), path + "/properties/" + escapePointer(e.getKey())));
        }
        long required = 0;
        JsonNode req = s.path("required");
        if (!req.isMissingNode()) {
            if (!req.isArray()) throw error(path, "'required' must be an array of names");
            for (JsonNode r : req) {
                if (!r.isTextual()) throw error(path, "'required' holds a non-string: " + r);
                int i = names.indexOf(r.asText());
                if (i < 0) { // required but undeclared: any value
                    names.add(r.asText());
                    values.add(Any.INSTANCE);
                    i = names.size() - 1;
                }
                if (i < 64) required |= 1L << i;
            }
        }
        if (names.size() > 64) throw error(path, "more than 64 declared properties (" + names.size() + ") are not supported");
        JsonNode ap = s.get("additionalProperties");
        SchemaNode additional;
        if (ap == null) additional = strict && !names.isEmpty() ? null : Any.INSTANCE;
        else if (ap.isBoolean()) additional = ap.booleanValue() ? Any.INSTANCE : null;
        else additional = node(ap, path + "/additionalProperties");
        if (names.isEmpty() && additional == Any.INSTANCE) return Any.ANY_OBJECT;
        return new SchemaNode.ObjectSchema(names.toArray(String[]::new), values.toArray(SchemaNode[]::new), required, additional, anyOrder);
    }

    private SchemaNode array(JsonNode s, String path) {
        int min = count(s, "minItems", 0, path), max = count(s, "maxItems", Integer.MAX_VALUE, path);
        JsonNode items = s.get("items");
        SchemaNode item;
        if (items == null) item = Any.INSTANCE;
        else if (items.isBoolean() && !items.booleanValue()) { item = Any.INSTANCE; max = 0; }
        else if (items.isArray()) throw error(path, "tuple 'items' (an array of schemas) is not supported");
        else item = node(items, path + "/items");
        if (min > max) throw error(path, "minItems " + min + " > maxItems " + max);
        if (item == Any.INSTANCE && min == 0 && max == Integer.MAX_VALUE) return Any.ANY_ARRAY;
        return new SchemaNode.ArraySchema(item, min, max);
    }

    /** minimum/maximum and the exclusive forms (2020-12: numbers; a draft-4 boolean is refused by name). */
    private SchemaNode number(JsonNode s, boolean integer, String path) {
        java.math.BigDecimal min = bound(s, "minimum", path), max = bound(s, "maximum", path);
        java.math.BigDecimal xmin = bound(s, "exclusiveMinimum", path), xmax = bound(s, "exclusiveMaximum", path);
        boolean minEx = false, maxEx = false;
        if (xmin != null && (min == null || xmin.compareTo(min) >= 0)) { min = xmin; minEx = true; }
        if (xmax != null && (max == null || xmax.compareTo(max) <= 0)) { max = xmax; maxEx = true; }
        if (min == null && max == null) return integer ? SchemaNode.NumberSchema.INTEGER : SchemaNode.NumberSchema.NUMBER;
        SchemaNode.NumberSchema n = new SchemaNode.NumberSchema(integer, min, minEx, max, maxEx);
        java.math.BigDecimal limit = java.math.BigDecimal.TEN.pow(NumberFrame.MAX_INT_DIGITS);
        if ((min != null && min.abs().compareTo(limit) >= 0) || (max != null && max.abs().compareTo(limit) >= 0)) {
            throw error(path, "bounds beyond " + NumberFrame.MAX_INT_DIGITS + " integer digits are not supported");
        }
        for (java.math.BigDecimal b : new java.math.BigDecimal[]{min, max}) {
            if (b != null && b.stripTrailingZeros().scale() >= NumberFrame.MAX_FRACTION_DIGITS) {
                throw error(path, "bound " + b + " has more than " + (NumberFrame.MAX_FRACTION_DIGITS - 1) + " fraction digits");
            }
        }
        // Some value must exist: the smallest candidate above min (or below max) must be in range.
        if (min != null && max != null) {
            java.math.BigDecimal lo = integer ? (minEx ? min.add(java.math.BigDecimal.ONE).setScale(0, java.math.RoundingMode.FLOOR)
                    : min.setScale(0, java.math.RoundingMode.CEILING)) : min;
            if (integer ? !n.inRange(lo) : !n.meets(min, minEx, max, maxEx)) {
                throw error(path, "no " + (integer ? "integer" : "number") + " lies between the bounds " + min + " and " + max);
            }
        }
        return n;
    }

    private static java.math.BigDecimal bound(JsonNode s, String key, String path) {
        JsonNode v = s.get(key);
        if (v == null) return null;
        if (!v.isNumber()) throw error(path, "'" + key + "' must be a number, found " + v + " (draft-4 boolean exclusive bounds are not supported)");
        return v.decimalValue();
    }

    private SchemaNode string(JsonNode s, String path) {
        int min = count(s, "minLength", 0, path), max = count(s, "maxLength", Integer.MAX_VALUE, path);
        if (min > max) throw error(path, "minLength " + min + " > maxLength " + max);
        return min == 0 && max == Integer.MAX_VALUE ? Any.ANY_STRING : new SchemaNode.StringSchema(min, max);
    }

    /** enum / const: the values that also pass the sibling type and length keywords, as compact JSON text. */
    private SchemaNode literals(JsonNode s, String path) {
        List<JsonNode> values = new ArrayList<>();
        if (s.has("const")) values.add(s.get("const"));
        if (s.has("enum")) {
            JsonNode e = s.get("enum");
            if (!e.isArray()) throw error(path, "'enum' must be an array");
            if (s.has("const")) values.removeIf(v -> !contains(e, v));
            else e.forEach(values::add);
        }
        for (String k : List.of("properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minLength", "maxLength",
                "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
            if (s.has(k)) throw error(path, "'" + k + "' next to enum/const is not supported (list only allowed values)");
        }
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = s.get("type");
        if (type != null) {
            if (type.isArray()) type.forEach(t -> types.add(typeName(t, path)));
            else types.add(typeName(type, path));
        }
        Set<String> texts = new LinkedHashSet<>();
        for (JsonNode v : values) {
            if (!types.isEmpty() && !types.contains(jsonType(v)) && !(types.contains("number") && v.isNumber())) continue;
            try {
                texts.add(JSON.writeValueAsString(v));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException(ex);
            }
        }
        if (texts.isEmpty()) throw error(path, "enum/const allows no value" + (types.isEmpty() ? "" : " of type " + types));
        return SchemaNode.Literals.of(texts.toArray(String[]::new));
    }

    private static boolean contains(JsonNode array, JsonNode v) {
        for (JsonNode x : array) if (x.equals(v)) return true;
        return false;
    }

    private static String jsonType(JsonNode v) {
        if (v.isObject()) return "object";
        if (v.isArray()) return "array";
        if (v.isTextual()) return "string";
        if (v.isIntegralNumber() || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0)) return "integer";
        if (v.isNumber()) return "number";
        if (v.isBoolean()) return "boolean";
        return "null";
    }

    private SchemaNode ref(JsonNode r, String path) {
        if (!r.isTextual() || !r.asText().startsWith("#")) throw error(path, "only local $ref ('#/...') is supported, found " + r);
        String pointer = r.asText();
        if (!pointer.equals("#") && !pointer.startsWith("#/")) {
            throw error(path, "$ref '" + pointer + "' names an anchor; only JSON-pointer references ('#' or '#/...') are supported");
        }
        return refs.computeIfAbsent(pointer, p -> {
            resolve(p); // fail now, naming the reference, if it points nowhere
            SchemaNode.Ref n = new SchemaNode.Ref(p);
            unresolved.add(n);
            return n;
        });
    }

    private JsonNode resolve(String pointer) {
        JsonNode target = root.at(pointer.substring(1));
        if (target.isMissingNode()) throw new IllegalArgumentException("JSON Schema: $ref '" + pointer + "' points to nothing");
        return target;
    }

    private static void only(JsonNode s, String path, String keyword, Set<String> allowed) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(keyword) && !ANNOTATIONS.contains(k) && !allowed.contains(k)) {
                throw error(path, "'" + k + "' next to '" + keyword + "' is not supported (move it into the alternatives)");
            }
        }
    }

    private static boolean hasAny(JsonNode s, Set<String> keys) {
        for (String k : keys) if (s.has(k)) return true;
        return false;
    }

    private static String typeName(JsonNode t, String path) {
        if (!t.isTextual()) throw error(path, "'type' must be a string or a list of strings, found " + t);
        return t.asText();
    }

    private static int count(JsonNode s, String key, int absent, String path) {
        JsonNode v = s.get(key);
        if (v == null) return absent;
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) throw error(path, "'" + key + "' must be a non-negative integer, found " + v);
        return v.asInt();
    }

    private static String escapePointer(String k) { return k.replace("~", "~0").replace("/", "~1"); }

    private static IllegalArgumentException error(String path, String what) {
        return new IllegalArgumentException("JSON Schema at " + (path.isEmpty() ? "/" : path) + ": " + what);
    }
}

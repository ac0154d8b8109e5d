package dev.jllm.engine.constrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.engine.constrain.SchemaNode.Any;
import dev.jllm.engine.constrain.SchemaNode.ArraySchema;
import dev.jllm.engine.constrain.SchemaNode.Literals;
import dev.jllm.engine.constrain.SchemaNode.NumberSchema;
import dev.jllm.engine.constrain.SchemaNode.ObjectSchema;
import dev.jllm.engine.constrain.SchemaNode.StringSchema;

import java.math.BigDecimal;

/**
 * The automaton reads {@code oneOf} like {@code anyOf}, which is only right when no value can
 * match two alternatives. This check proves alternatives disjoint — by kind, by string length,
 * numeric or item-count ranges, by literal values, or by a property that one object requires
 * with values the other's schema for it refuses (a discriminator: {@code "kind": {"const": "a"}}
 * vs {@code "b"}) — and answers "may overlap" whenever it cannot.
 */
final class OneOfOverlap {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigDecimal HUGE = BigDecimal.TEN.pow(NumberFrame.MAX_INT_DIGITS + 1);
    private static final int MAX_DEPTH = 16;

    private OneOfOverlap() {}

    /** The first pair of alternatives that may both match a value, or null if all are disjoint. */
    static int[] firstOverlap(SchemaNode.Union u) {
        SchemaNode[] a = u.alternatives;
        for (int i = 0; i < a.length; i++) {
            for (int j = i + 1; j < a.length; j++) if (mayOverlap(a[i], a[j], 0)) return new int[]{i, j};
        }
        return null;
    }

    static boolean mayOverlap(SchemaNode first, SchemaNode second, int depth) {
        if (depth > MAX_DEPTH) return true; // recursive schemas: give up, conservatively
        SchemaNode a = deref(first), b = deref(second);
        if (a instanceof Any || b instanceof Any) return true;
        if (a instanceof SchemaNode.Union u) {
            for (SchemaNode x : u.alternatives) if (mayOverlap(x, b, depth + 1)) return true;
            return false;
        }
        if (b instanceof SchemaNode.Union) return mayOverlap(b, a, depth);
        if (a instanceof Literals l) return literalsMeet(l, b);
        if (b instanceof Literals l) return literalsMeet(l, a);
        return switch (a) {
            case StringSchema x when b instanceof StringSchema y -> Math.max(x.minLength, y.minLength) <= Math.min(x.maxLength, y.maxLength);
            case NumberSchema x when b instanceof NumberSchema y -> x.meets(y.min == null ? HUGE.negate() : y.min, y.min != null && y.minExclusive,
                    y.max == null ? HUGE : y.max, y.max != null && y.maxExclusive);
            case ArraySchema x when b instanceof ArraySchema y -> {
                int lo = Math.max(x.minItems, y.minItems), hi = Math.min(x.maxItems, y.maxItems);
                yield lo <= hi && (lo == 0 || mayOverlap(x.items, y.items, depth + 1));
            }
            case ObjectSchema x when b instanceof ObjectSchema y -> objectsMayOverlap(x, y, depth) && objectsMayOverlap(y, x, depth);
            default -> false; // different kinds of value
        };
    }

    /**
     * False if a property that {@code x} requires can never hold, in a {@code y} object, a value
     * that {@code x} allows. An undeclared name counts as allowed with any value in {@code y}: the
     * validator reads the schema as written, where an absent additionalProperties (which strict
     * generation treats as false) allows anything.
     */
    private static boolean objectsMayOverlap(ObjectSchema x, ObjectSchema y, int depth) {
        for (int i = 0; i < x.names.length && i < 64; i++) {
            if ((x.required & (1L << i)) == 0) continue;
            int j = java.util.Arrays.asList(y.names).indexOf(x.names[i]);
            SchemaNode other = j >= 0 ? y.values[j] : y.additional == null ? Any.INSTANCE : y.additional;
            if (!mayOverlap(x.values[i], other, depth + 1)) return false;
        }
        return true;
    }

    private static SchemaNode deref(SchemaNode n) {
        while (n instanceof SchemaNode.Ref r) n = r.target;
        return n;
    }

    private static boolean literalsMeet(Literals l, SchemaNode other) {
        for (String v : l.values) if (admits(other, v)) return true;
        return false;
    }

    /** Whether {@code node} (not a union, ref or Any) allows the value whose compact JSON text is {@code text}. */
    private static boolean admits(SchemaNode node, String text) {
        JsonNode v = parse(text);
        if (node instanceof Literals l) {
            for (String w : l.values) if (sameValue(v, parse(w))) return true;
            return false;
        }
        if (v.isObject()) return node instanceof ObjectSchema; // not worth proving
        if (v.isArray()) return node instanceof ArraySchema;
        if (v.isTextual()) {
            int n = v.asText().codePointCount(0, v.asText().length());
            return node instanceof StringSchema s && n >= s.minLength && n <= s.maxLength;
        }
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue();
            return node instanceof NumberSchema s && (!s.integer || d.stripTrailingZeros().scale() <= 0) && s.inRange(d);
        }
        return false; // true/false/null come only from literals
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        return a.equals(b);
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("an enum/const text is not JSON: " + text, e);
        }
    }
}

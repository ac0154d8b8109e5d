package dev.jllm.engine.constrain;

/**
 * A JSON Schema compiled to what the automaton needs. Nodes are shared and immutable (except a
 * {@link Ref}'s target, set once while compiling) and compare by identity, so automaton states
 * that point at them hash cheaply.
 */
abstract sealed class SchemaNode {

    /** Any JSON value ({@code {}}, {@code true}, values of {@code json_object}). */
    static final class Any extends SchemaNode {
        static final Any INSTANCE = new Any();
        /** An object with any keys and any values. */
        static final ObjectSchema ANY_OBJECT = new ObjectSchema(new String[0], new SchemaNode[0], 0L, INSTANCE, true);
        static final ArraySchema ANY_ARRAY = new ArraySchema(INSTANCE, 0, Integer.MAX_VALUE);
        static final StringSchema ANY_STRING = new StringSchema(0, Integer.MAX_VALUE);
        static final Literals TRUE_FALSE_NULL = Literals.of("true", "false", "null");
        private Any() {}
    }

    /**
     * @param names      declared property names, in schema order
     * @param required   bit i set: {@code names[i]} is required
     * @param additional schema of undeclared properties, or null when they are not allowed
     * @param anyOrder   declared properties may come in any order (else in schema order, optional ones skippable)
     */
    static final class ObjectSchema extends SchemaNode {
        final String[] names;
        final SchemaNode[] values;
        final long required;
        final SchemaNode additional;
        final boolean anyOrder;
        final ByteTrie keys; // the declared names as JSON strings, quotes included

        ObjectSchema(String[] names, SchemaNode[] values, long required, SchemaNode additional, boolean anyOrder) {
            this.names = names;
            this.values = values;
            this.required = required;
            this.additional = additional;
            this.anyOrder = anyOrder;
            String[] quoted = new String[names.length];
            for (int i = 0; i < names.length; i++) quoted[i] = JsonText.quote(names[i]);
            this.keys = ByteTrie.of(quoted);
        }

        /** The declared properties that may come next, as a bit mask. */
        long candidates(long seen, int next) {
            if (anyOrder) return ~seen & allBits();
            long m = 0;
            for (int j = next; j < names.length; j++) {
                m |= 1L << j;
                if ((required & (1L << j)) != 0) break; // a required property cannot be skipped
            }
            return m;
        }

        long allBits() { return names.length == 64 ? -1L : (1L << names.length) - 1; }

        boolean mayClose(long seen) { return (required & ~seen) == 0; }

        /** Whether another property (declared or additional) may still follow. */
        boolean mayContinue(long seen, int next) { return additional != null || candidates(seen, next) != 0; }
    }

    static final class ArraySchema extends SchemaNode {
        final SchemaNode items;
        final int minItems, maxItems;

        ArraySchema(SchemaNode items, int minItems, int maxItems) {
            this.items = items;
            this.minItems = minItems;
            this.maxItems = maxItems;
        }
    }

    /** Lengths count code points, as JSON Schema does; {@code maxLength} is {@link Integer#MAX_VALUE} when unbounded. */
    static final class StringSchema extends SchemaNode {
        final int minLength, maxLength;

        StringSchema(int minLength, int maxLength) {
            this.minLength = minLength;
            this.maxLength = maxLength;
        }
    }

    /** Bounds are null when absent; an exclusive bound excludes its own value. */
    static final class NumberSchema extends SchemaNode {
        static final NumberSchema NUMBER = new NumberSchema(false, null, false, null, false);
        static final NumberSchema INTEGER = new NumberSchema(true, null, false, null, false);
        final boolean integer;
        final java.math.BigDecimal min, max;
        final boolean minExclusive, maxExclusive;

        NumberSchema(boolean integer, java.math.BigDecimal min, boolean minExclusive, java.math.BigDecimal max, boolean maxExclusive) {
            this.integer = integer;
            this.min = min;
            this.minExclusive = minExclusive;
            this.max = max;
            this.maxExclusive = maxExclusive;
        }

        boolean bounded() { return min != null || max != null; }

        boolean inRange(java.math.BigDecimal v) {
            if (min != null && (minExclusive ? v.compareTo(min) <= 0 : v.compareTo(min) < 0)) return false;
            return max == null || (maxExclusive ? v.compareTo(max) < 0 : v.compareTo(max) <= 0);
        }

        /** Whether some value between lo and hi (each end open or closed) is in range. */
        boolean meets(java.math.BigDecimal lo, boolean loOpen, java.math.BigDecimal hi, boolean hiOpen) {
            java.math.BigDecimal l = lo, u = hi;
            boolean lOpen = loOpen, uOpen = hiOpen;
            if (min != null) {
                int c = min.compareTo(l);
                if (c > 0 || (c == 0 && minExclusive)) { l = min; lOpen = minExclusive; }
            }
            if (max != null) {
                int c = max.compareTo(u);
                if (c < 0 || (c == 0 && maxExclusive)) { u = max; uOpen = maxExclusive; }
            }
            int c = l.compareTo(u);
            return c < 0 || (c == 0 && !lOpen && !uOpen);
        }
    }

    /** A fixed set of values (enum, const, boolean, null), matched as their compact JSON text. */
    static final class Literals extends SchemaNode {
        final ByteTrie texts;
        final String[] values; // the same texts, for the oneOf overlap check

        private Literals(ByteTrie texts, String[] values) {
            this.texts = texts;
            this.values = values;
        }

        static Literals of(String... jsonTexts) { return new Literals(ByteTrie.of(jsonTexts), jsonTexts.clone()); }
    }

    /** anyOf / oneOf / a list of types: a value of any alternative. */
    static final class Union extends SchemaNode {
        final SchemaNode[] alternatives;

        Union(SchemaNode[] alternatives) { this.alternatives = alternatives; }
    }

    /** A {@code $ref}, resolved after the whole schema is compiled (so it may be recursive). */
    static final class Ref extends SchemaNode {
        final String pointer;
        SchemaNode target;

        Ref(String pointer) { this.pointer = pointer; }
    }
}

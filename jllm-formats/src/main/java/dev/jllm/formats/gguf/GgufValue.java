package dev.jllm.formats.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * A GGUF metadata value with its exact type, so a value read from a file is written back
 * with the same type.
 *
 * <p>Scalars: every integer type holds a {@code Long} (UINT64 as raw two's-complement bits,
 * the smaller unsigned types zero-extended), FLOAT32 a {@code Float}, FLOAT64 a {@code Double},
 * BOOL a {@code Boolean}, STRING a {@code String}.
 *
 * <p>Arrays ({@code type == ARRAY}) hold a primitive array of their element type: (U)INT8
 * {@code byte[]}, (U)INT16 {@code short[]}, (U)INT32 {@code int[]}, (U)INT64 {@code long[]},
 * FLOAT32 {@code float[]}, FLOAT64 {@code double[]}, BOOL {@code boolean[]}, STRING
 * {@code String[]}; an array of arrays holds {@code GgufValue[]} whose items are ARRAY values.
 * Unsigned elements keep their raw bits (a UINT8 255 is the byte -1).
 */
public record GgufValue(GgufType type, GgufType elementType, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == GgufType.ARRAY) {
            Objects.requireNonNull(elementType, "elementType of an ARRAY");
            Class<?> want = arrayClass(elementType);
            if (value.getClass() != want) {
                throw new IllegalArgumentException("GGUF array of " + elementType + " needs a " + want.getSimpleName()
                        + ", got " + value.getClass().getSimpleName());
            }
            if (elementType == GgufType.ARRAY) {
                for (GgufValue v : (GgufValue[]) value) {
                    if (v == null || v.type != GgufType.ARRAY) {
                        throw new IllegalArgumentException("items of a GGUF array of arrays must be ARRAY values, got " + v);
                    }
                }
            } else if (elementType == GgufType.STRING) {
                for (String s : (String[]) value) Objects.requireNonNull(s, "null string in a GGUF string array");
            }
        } else {
            if (elementType != null) throw new IllegalArgumentException("a scalar " + type + " has no element type");
            checkScalar(type, value);
        }
    }

    // ---- factories for writers -----------------------------------------------------------

    public static GgufValue uint8(long v) { return new GgufValue(GgufType.UINT8, null, v); }
    public static GgufValue int8(long v) { return new GgufValue(GgufType.INT8, null, v); }
    public static GgufValue uint16(long v) { return new GgufValue(GgufType.UINT16, null, v); }
    public static GgufValue int16(long v) { return new GgufValue(GgufType.INT16, null, v); }
    public static GgufValue uint32(long v) { return new GgufValue(GgufType.UINT32, null, v); }
    public static GgufValue int32(long v) { return new GgufValue(GgufType.INT32, null, v); }
    /** {@code v} is taken as raw bits: -1 means 2^64-1. */
    public static GgufValue uint64(long v) { return new GgufValue(GgufType.UINT64, null, v); }
    public static GgufValue int64(long v) { return new GgufValue(GgufType.INT64, null, v); }
    public static GgufValue float32(float v) { return new GgufValue(GgufType.FLOAT32, null, v); }
    public static GgufValue float64(double v) { return new GgufValue(GgufType.FLOAT64, null, v); }
    public static GgufValue bool(boolean v) { return new GgufValue(GgufType.BOOL, null, v); }
    public static GgufValue string(String v) { return new GgufValue(GgufType.STRING, null, v); }

    /** An array of {@code elementType}; {@code values} is the matching Java array (see class doc). */
    public static GgufValue array(GgufType elementType, Object values) {
        return new GgufValue(GgufType.ARRAY, elementType, values);
    }

    public static GgufValue strings(String... v) { return array(GgufType.STRING, v); }
    public static GgufValue int32s(int... v) { return array(GgufType.INT32, v); }
    public static GgufValue float32s(float... v) { return array(GgufType.FLOAT32, v); }
    public static GgufValue arrays(GgufValue... v) { return array(GgufType.ARRAY, v); }

    // ---- views -----------------------------------------------------------------------------

    /** Number of items of an array value. */
    public int length() {
        if (type != GgufType.ARRAY) throw new IllegalStateException(type + " is not an array");
        return java.lang.reflect.Array.getLength(value);
    }

    /**
     * The plain Java value other modules consume: scalars as stored, arrays as their primitive
     * array, and an array of arrays as {@code Object[]} of those.
     */
    public Object toJava() {
        if (type == GgufType.ARRAY && elementType == GgufType.ARRAY) {
            GgufValue[] items = (GgufValue[]) value;
            Object[] out = new Object[items.length];
            for (int i = 0; i < items.length; i++) out[i] = items[i].toJava();
            return out;
        }
        return value;
    }

    /** An integer scalar as a long (raw bits for UINT64). */
    public long asLong() {
        if (!type.isInteger()) throw new IllegalStateException(type + " is not an integer");
        return (Long) value;
    }

    /** A readable rendering; long arrays are abbreviated, e.g. {@code [151936 strings: "!", "\"", …]}. */
    public String display(int maxItems) {
        return GgufValueText.display(this, maxItems);
    }

    @Override
    public String toString() { return type + (elementType != null ? "<" + elementType + ">" : "") + " " + display(8); }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Objects.deepEquals(value, v.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType) * 31 + Arrays.deepHashCode(new Object[] {value});
    }

    // ---- checks ----------------------------------------------------------------------------

    static Class<?> arrayClass(GgufType t) {
        return switch (t) {
            case UINT8, INT8 -> byte[].class;
            case UINT16, INT16 -> short[].class;
            case UINT32, INT32 -> int[].class;
            case UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufValue[].class;
        };
    }

    private static void checkScalar(GgufType type, Object value) {
        switch (type) {
            case FLOAT32 -> requireClass(type, value, Float.class);
            case FLOAT64 -> requireClass(type, value, Double.class);
            case BOOL -> requireClass(type, value, Boolean.class);
            case STRING -> requireClass(type, value, String.class);
            default -> {
                requireClass(type, value, Long.class);
                long v = (Long) value;
                long min, max;
                switch (type) {
                    case UINT8 -> { min = 0; max = 0xff; }
                    case INT8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
                    case UINT16 -> { min = 0; max = 0xffff; }
                    case INT16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
                    case UINT32 -> { min = 0; max = 0xffff_ffffL; }
                    case INT32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
                    default -> { min = Long.MIN_VALUE; max = Long.MAX_VALUE; } // 64-bit: all bit patterns
                }
                if (v < min || v > max) {
                    throw new IllegalArgumentException(v + " is out of range for GGUF " + type + " [" + min + ", " + max + "]");
                }
            }
        }
    }

    private static void requireClass(GgufType type, Object value, Class<?> c) {
        if (!c.isInstance(value)) {
            throw new IllegalArgumentException("GGUF " + type + " needs a " + c.getSimpleName() + ", got "
                    + value.getClass().getSimpleName());
        }
    }
}

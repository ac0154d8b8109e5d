package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.SchemaNode.StringSchema;

/**
 * Inside a string value. {@code count}: code points so far (an escape counts one; saturated at
 * {@code minLength} when there is no maximum, so long free text keeps returning to the same
 * state and its mask is cached). {@code sub}: where inside a character we are.
 */
record StringFrame(StringSchema schema, int count, int sub) implements Frame {
    // sub 1..7 are Utf8 continuation states.
    static final int NORMAL = 0, ESCAPE = 8, HEX0 = 9, HEX1_AFTER_D = 10, HEX1 = 11, HEX2 = 12, HEX3 = 13;

    static StringFrame open(StringSchema s) { return new StringFrame(s, 0, NORMAL); }

    @Override
    public void step(int b, Stack rest, Sink out) {
        switch (sub) {
            case NORMAL -> {
                if (b == '"') {
                    if (count >= schema.minLength) out.add(rest);
                    return;
                }
                if (b < 0x20 || count >= schema.maxLength) return;
                int next = b == '\\' ? ESCAPE : Utf8.lead(b);
                if (next >= 0) out.add(new Stack(with(counted(), next), rest));
            }
            case ESCAPE -> {
                if (b == 'u') out.add(new Stack(with(count, HEX0), rest));
                else if ("\"\\/bfnrt".indexOf(b) >= 0) out.add(new Stack(with(count, NORMAL), rest));
            }
            // \\uXXXX outside the surrogate range D800..DFFF, so each escape is one code point.
            case HEX0 -> { if (isHex(b)) out.add(new Stack(with(count, b == 'd' || b == 'D' ? HEX1_AFTER_D : HEX1), rest)); }
            case HEX1_AFTER_D -> { if (b >= '0' && b <= '7') out.add(new Stack(with(count, HEX2), rest)); }
            case HEX1 -> { if (isHex(b)) out.add(new Stack(with(count, HEX2), rest)); }
            case HEX2 -> { if (isHex(b)) out.add(new Stack(with(count, HEX3), rest)); }
            case HEX3 -> { if (isHex(b)) out.add(new Stack(with(count, NORMAL), rest)); }
            default -> {
                int u = Utf8.continuation(sub, b);
                if (u >= 0) out.add(new Stack(with(count, u), rest));
            }
        }
    }

    private int counted() {
        int c = count + 1;
        return schema.maxLength == Integer.MAX_VALUE && c > schema.minLength ? schema.minLength : c;
    }

    private StringFrame with(int c, int s) { return c == count && s == sub ? this : new StringFrame(schema, c, s); }

    static boolean isHex(int b) { return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F'); }
}

package dev.jllm.engine.constrain;

import dev.jllm.engine.constrain.SchemaNode.NumberSchema;

import java.math.BigDecimal;

/**
 * Inside a number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} (integers: no fraction,
 * no exponent). Digit runs are bounded so that a number always ends. A number ends where a byte
 * that cannot continue it arrives; that byte is then read by the frame below.
 *
 * <p>With {@code minimum}/{@code maximum} the text so far is kept, no exponent is allowed, and a
 * digit is allowed only if some completion of the new prefix lies in range (so there is never a
 * dead end); the number may end only in range.
 *
 * @param digits digits in the current run (integer part, fraction or exponent)
 * @param text   the number so far when the schema has bounds, else null
 */
record NumberFrame(NumberSchema schema, int phase, int digits, String text) implements Frame {
    static final int MAX_INT_DIGITS = 16, MAX_FRACTION_DIGITS = 16, MAX_EXPONENT_DIGITS = 3;
    static final int SIGN = 0, ZERO = 1, INT = 2, DOT = 3, FRACTION = 4, E = 5, E_SIGN = 6, EXPONENT = 7;

    static void start(NumberSchema s, int b, Stack parent, Sink out) {
        if (b == '-') emit(s, SIGN, 0, null, b, parent, out);
        else if (b == '0') emit(s, ZERO, 1, null, b, parent, out);
        else if (b >= '1' && b <= '9') emit(s, INT, 1, null, b, parent, out);
    }

    private static void emit(NumberSchema s, int phase, int digits, String before, int b, Stack rest, Sink out) {
        String t = null;
        if (s.bounded()) {
            t = (before == null ? "" : before) + (char) b;
            if (!feasible(s, phase, digits, t)) return;
        }
        out.add(new Stack(new NumberFrame(s, phase, digits, t), rest));
    }

    private void next(int p, int d, int b, Stack rest, Sink out) { emit(schema, p, d, text, b, rest, out); }

    @Override
    public void step(int b, Stack rest, Sink out) {
        boolean digit = b >= '0' && b <= '9';
        boolean integer = schema.integer;
        boolean exponent = !integer && !schema.bounded();
        switch (phase) {
            case SIGN -> {
                if (b == '0') next(ZERO, 1, b, rest, out);
                else if (digit) next(INT, 1, b, rest, out);
                return;
            }
            case ZERO, INT -> {
                if (digit && phase == INT && digits < MAX_INT_DIGITS) { next(INT, digits + 1, b, rest, out); return; }
                if (!integer && b == '.') { next(DOT, 0, b, rest, out); return; }
                if (exponent && (b == 'e' || b == 'E')) { next(E, 0, b, rest, out); return; }
            }
            case DOT -> {
                if (digit) next(FRACTION, 1, b, rest, out);
                return;
            }
            case FRACTION -> {
                if (digit && digits < MAX_FRACTION_DIGITS) { next(FRACTION, digits + 1, b, rest, out); return; }
                if (exponent && (b == 'e' || b == 'E')) { next(E, 0, b, rest, out); return; }
            }
            case E -> {
                if (b == '+' || b == '-') next(E_SIGN, 0, b, rest, out);
                else if (digit) next(EXPONENT, 1, b, rest, out);
                return;
            }
            case E_SIGN -> {
                if (digit) next(EXPONENT, 1, b, rest, out);
                return;
            }
            case EXPONENT -> {
                if (digit && digits < MAX_EXPONENT_DIGITS) { next(EXPONENT, digits + 1, b, rest, out); return; }
            }
            default -> throw new IllegalStateException("number phase " + phase);
        }
        // The number is complete: the byte belongs to what follows it.
        if (endable()) rest.step(b, out);
    }

    @Override
    public boolean endable() {
        boolean complete = phase == ZERO || phase == INT || phase == FRACTION || phase == EXPONENT;
        return complete && (text == null || schema.inRange(new BigDecimal(text)));
    }

    /** Whether some number that starts with {@code t} (in {@code phase}) is in the schema's range. */
    static boolean feasible(NumberSchema s, int phase, int digits, String t) {
        boolean negative = t.startsWith("-");
        String u = negative ? t.substring(1) : t;
        switch (phase) {
            case SIGN -> { return meetsAbs(s, negative, BigDecimal.ZERO, BigDecimal.TEN.pow(MAX_INT_DIGITS), true); }
            case ZERO -> { return s.integer ? meetsAbs(s, negative, BigDecimal.ZERO, BigDecimal.ZERO, false) : meetsAbs(s, negative, BigDecimal.ZERO, BigDecimal.ONE, true); }
            case INT -> {
                BigDecimal p = new BigDecimal(u);
                for (int j = 0; j <= MAX_INT_DIGITS - digits; j++) { // the value with j more integer digits
                    BigDecimal scale = BigDecimal.TEN.pow(j), lo = p.multiply(scale);
                    BigDecimal hi = s.integer ? lo.add(scale).subtract(BigDecimal.ONE) : lo.add(scale);
                    if (meetsAbs(s, negative, lo, hi, !s.integer)) return true;
                }
                return false;
            }
            case DOT -> {
                BigDecimal p = new BigDecimal(u.substring(0, u.length() - 1));
                return meetsAbs(s, negative, p, p.add(BigDecimal.ONE), true);
            }
            case FRACTION -> {
                BigDecimal v = new BigDecimal(u);
                return meetsAbs(s, negative, v, v.add(BigDecimal.ONE.movePointLeft(digits)), true);
            }
            default -> { return true; }
        }
    }

    /** Whether [lo, hi] of absolute values (hi open if {@code open}), with the sign applied, meets the range. */
    private static boolean meetsAbs(NumberSchema s, boolean negative, BigDecimal lo, BigDecimal hi, boolean open) {
        return negative ? s.meets(hi.negate(), open, lo.negate(), false) : s.meets(lo, false, hi, open);
    }
}

package dev.jllm.engine.constrain;

/**
 * Inside a number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} (integers: no fraction,
 * no exponent). Digit runs are bounded so that a number always ends. A number ends where a byte
 * that cannot continue it arrives; that byte is then read by the frame below.
 *
 * @param digits digits in the current run (integer part, fraction or exponent)
 */
record NumberFrame(boolean integer, int phase, int digits) implements Frame {
    static final int MAX_INT_DIGITS = 16, MAX_FRACTION_DIGITS = 16, MAX_EXPONENT_DIGITS = 3;
    static final int SIGN = 0, ZERO = 1, INT = 2, DOT = 3, FRACTION = 4, E = 5, E_SIGN = 6, EXPONENT = 7;

    static void start(boolean integer, int b, Stack parent, Sink out) {
        if (b == '-') out.add(new Stack(new NumberFrame(integer, SIGN, 0), parent));
        else if (b == '0') out.add(new Stack(new NumberFrame(integer, ZERO, 1), parent));
        else if (b >= '1' && b <= '9') out.add(new Stack(new NumberFrame(integer, INT, 1), parent));
    }

    @Override
    public void step(int b, Stack rest, Sink out) {
        boolean digit = b >= '0' && b <= '9';
        switch (phase) {
            case SIGN -> {
                if (b == '0') out.add(new Stack(new NumberFrame(integer, ZERO, 1), rest));
                else if (digit) out.add(new Stack(new NumberFrame(integer, INT, 1), rest));
                return;
            }
            case ZERO, INT -> {
                if (digit && phase == INT && digits < MAX_INT_DIGITS) { out.add(new Stack(new NumberFrame(integer, INT, digits + 1), rest)); return; }
                if (!integer && b == '.') { out.add(new Stack(new NumberFrame(false, DOT, 0), rest)); return; }
                if (!integer && (b == 'e' || b == 'E')) { out.add(new Stack(new NumberFrame(false, E, 0), rest)); return; }
            }
            case DOT -> {
                if (digit) out.add(new Stack(new NumberFrame(false, FRACTION, 1), rest));
                return;
            }
            case FRACTION -> {
                if (digit && digits < MAX_FRACTION_DIGITS) { out.add(new Stack(new NumberFrame(false, FRACTION, digits + 1), rest)); return; }
                if (b == 'e' || b == 'E') { out.add(new Stack(new NumberFrame(false, E, 0), rest)); return; }
            }
            case E -> {
                if (b == '+' || b == '-') out.add(new Stack(new NumberFrame(false, E_SIGN, 0), rest));
                else if (digit) out.add(new Stack(new NumberFrame(false, EXPONENT, 1), rest));
                return;
            }
            case E_SIGN -> {
                if (digit) out.add(new Stack(new NumberFrame(false, EXPONENT, 1), rest));
                return;
            }
            case EXPONENT -> {
                if (digit && digits < MAX_EXPONENT_DIGITS) { out.add(new Stack(new NumberFrame(false, EXPONENT, digits + 1), rest)); return; }
            }
            default -> throw new IllegalStateException("number phase " + phase);
        }
        // The number is complete: the byte belongs to what follows it.
        if (endable()) rest.step(b, out);
    }

    @Override
    public boolean endable() { return phase == ZERO || phase == INT || phase == FRACTION || phase == EXPONENT; }
}

package dev.jllm.engine.constrain;

/**
 * Byte-level UTF-8 validation as a tiny state machine: a state says what the next byte of a
 * character must be. Rejects overlongs, surrogates and code points past U+10FFFF, as the
 * Unicode standard's table of well-formed byte sequences does.
 */
final class Utf8 {
    /** States: 0 = between characters; 1..3 = that many continuation bytes 80..BF to come. */
    static final int DONE = 0, C1 = 1, C2 = 2, C3 = 3;
    /** Second byte restricted: after E0 (A0..BF), ED (80..9F), F0 (90..BF), F4 (80..8F). */
    static final int E0 = 4, ED = 5, F0 = 6, F4 = 7;

    private Utf8() {}

    /** The state after a first byte {@code b}: 0 for ASCII, -1 if {@code b} cannot start a character. */
    static int lead(int b) {
        if (b < 0x80) return DONE;
        if (b < 0xC2) return -1;
        if (b < 0xE0) return C1;
        if (b == 0xE0) return E0;
        if (b == 0xED) return ED;
        if (b < 0xF0) return C2;
        if (b == 0xF0) return F0;
        if (b < 0xF4) return C3;
        if (b == 0xF4) return F4;
        return -1;
    }

    /** The state after continuation byte {@code b}, or -1 if it is not allowed. */
    static int continuation(int state, int b) {
        return switch (state) {
            case C1, C2, C3 -> b >= 0x80 && b <= 0xBF ? state - 1 : -1;
            case E0 -> b >= 0xA0 && b <= 0xBF ? C1 : -1;
            case ED -> b >= 0x80 && b <= 0x9F ? C1 : -1;
            case F0 -> b >= 0x90 && b <= 0xBF ? C2 : -1;
            case F4 -> b >= 0x80 && b <= 0x8F ? C2 : -1;
            default -> -1;
        };
    }
}

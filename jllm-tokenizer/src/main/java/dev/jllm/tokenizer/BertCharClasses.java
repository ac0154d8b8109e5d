package dev.jllm.tokenizer;

/**
 * Character classes as BERT's normalizer and pre-tokenizer see them in Hugging Face tokenizers,
 * whose Unicode tables are older (Unicode 8.0) than the JDK's. Each class is the JDK's general
 * category test, corrected by the code points whose class differs: characters added to Unicode
 * since (which Hugging Face treats as ordinary letters) and a few that changed category.
 * The ranges (inclusive pairs) were found by probing every code point through Hugging Face
 * (tools/tokenizer-spm-wordpiece/probe_bert_unicode.mjs); BertCharClassesTest checks all of them.
 */
final class BertCharClasses {
    private BertCharClasses() {}

    /** Format characters newer than Hugging Face's tables: kept, not removed, by clean_text. */
    private static final int[] NOT_REMOVED = {
            0x890, 0x891, 0x8E2, 0x8E2, 0x110CD, 0x110CD, 0x13430, 0x1343F};

    /** Punctuation newer than Hugging Face's tables: not split off. */
    private static final int[] NOT_PUNCTUATION = {
            0x61D, 0x61D, 0x9FD, 0x9FD, 0xA76, 0xA76, 0xC77, 0xC77, 0xC84, 0xC84, 0x1B4E, 0x1B4F,
            0x1B7D, 0x1B7F, 0x2E43, 0x2E4F, 0x2E52, 0x2E5D, 0x10D6E, 0x10D6E, 0x10EAD, 0x10EAD, 0x10F55, 0x10F59,
            0x10F86, 0x10F89, 0x113D4, 0x113D5, 0x113D7, 0x113D8, 0x1144B, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x1145D,
            0x11660, 0x1166C, 0x116B9, 0x116B9, 0x1183B, 0x1183B, 0x11944, 0x11946, 0x119E2, 0x119E2, 0x11A3F, 0x11A46,
            0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2, 0x11B00, 0x11B09, 0x11BE1, 0x11BE1, 0x11C41, 0x11C45, 0x11C70, 0x11C71,
            0x11EF7, 0x11EF8, 0x11F43, 0x11F4F, 0x11FFF, 0x11FFF, 0x12FF1, 0x12FF2, 0x16D6D, 0x16D6F, 0x16E97, 0x16E9A,
            0x16FE2, 0x16FE2, 0x1E5FF, 0x1E5FF, 0x1E95E, 0x1E95F};

    /** Punctuation in Hugging Face's tables that the JDK now files elsewhere. */
    private static final int[] ALSO_PUNCTUATION = {
            0x166D, 0x166D, 0x111C9, 0x111C9};

    /** Nonspacing marks newer than Hugging Face's tables: kept by strip_accents. */
    private static final int[] NOT_ACCENT = {
            0x7FD, 0x7FD, 0x897, 0x89F, 0x8CA, 0x8E1, 0x9FE, 0x9FE, 0xAFA, 0xAFF, 0xB55, 0xB55,
            0xC04, 0xC04, 0xC3C, 0xC3C, 0xD00, 0xD00, 0xD3B, 0xD3C, 0xD81, 0xD81, 0xEBA, 0xEBA,
            0xECE, 0xECE, 0x180F, 0x180F, 0x1885, 0x1886, 0x1ABF, 0x1ACE, 0x1DF6, 0x1DFB, 0xA82C, 0xA82C,
            0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF, 0xA9BD, 0xA9BD, 0x10D24, 0x10D27, 0x10D69, 0x10D6D, 0x10EAB, 0x10EAC,
            0x10EFC, 0x10EFF, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x11073, 0x11074, 0x110C2, 0x110C2,
            0x111C9, 0x111C9, 0x111CF, 0x111CF, 0x1123E, 0x1123E, 0x11241, 0x11241, 0x1133B, 0x1133B, 0x113BB, 0x113C0,
            0x113CE, 0x113CE, 0x113D0, 0x113D0, 0x113D2, 0x113D2, 0x113E1, 0x113E2, 0x11438, 0x1143F, 0x11442, 0x11444,
            0x11446, 0x11446, 0x1145E, 0x1145E, 0x1182F, 0x11837, 0x11839, 0x1183A, 0x1193B, 0x1193C, 0x1193E, 0x1193E,
            0x11943, 0x11943, 0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0, 0x11A01, 0x11A0A, 0x11A33, 0x11A38,
            0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A, 0x11A96, 0x11A98, 0x11A99,
            0x11C30, 0x11C36, 0x11C38, 0x11C3D, 0x11C3F, 0x11C3F, 0x11C92, 0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3,
            0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47,
            0x11D90, 0x11D91, 0x11D95, 0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x11F00, 0x11F01, 0x11F36, 0x11F3A,
            0x11F40, 0x11F40, 0x11F42, 0x11F42, 0x11F5A, 0x11F5A, 0x13440, 0x13440, 0x13447, 0x13455, 0x1611E, 0x16129,
            0x1612D, 0x1612F, 0x16F4F, 0x16F4F, 0x16FE4, 0x16FE4, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1E000, 0x1E006,
            0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A, 0x1E08F, 0x1E08F, 0x1E130, 0x1E136,
            0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF, 0x1E944, 0x1E94A};

    /** Marks that were nonspacing in Hugging Face's tables and are spacing (Mc) now. */
    private static final int[] ALSO_ACCENT = {
            0x1734, 0x1734, 0x1171E, 0x1171E};

    /** Dropped by clean_text: NUL, U+FFFD, control (but tab, newline, CR), format, private use, surrogate. */
    static boolean isRemoved(int cp) {
        if (cp == 0 || cp == 0xFFFD) return true;
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.PRIVATE_USE, Character.SURROGATE -> true;
            case Character.FORMAT -> !in(NOT_REMOVED, cp);
            default -> false;
        };
    }

    /** Unicode White_Space (Java's isWhitespace differs: it omits no-break spaces and adds U+001C..1F). */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, 0x0C, '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** All ASCII symbol characters and Unicode P* (connector, dash, open, close, quotes, other). */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> !in(NOT_PUNCTUATION, cp);
            default -> in(ALSO_PUNCTUATION, cp);
        };
    }

    /** A nonspacing mark, dropped by strip_accents after NFD. */
    static boolean isAccent(int cp) {
        return Character.getType(cp) == Character.NON_SPACING_MARK ? !in(NOT_ACCENT, cp) : in(ALSO_ACCENT, cp);
    }

    /** Binary search over sorted inclusive (lo, hi) pairs. */
    private static boolean in(int[] ranges, int cp) {
        int lo = 0, hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[2 * mid]) hi = mid - 1;
            else if (cp > ranges[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }
}

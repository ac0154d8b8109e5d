package dev.jllm.tokenizer.train;

import java.util.regex.Pattern;

/** Pre-tokenizer split patterns (the regex that cuts text into words before BPE), as published by OpenAI. */
public final class SplitPatterns {
    /** GPT-2: contractions, letters, digits, other symbols, each with an optional leading space; whitespace runs. */
    public static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** cl100k_base (GPT-3.5/4, also Llama 3): case-insensitive contractions, digits in groups of at most three. */
    public static final String CL100K =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private SplitPatterns() {
    }

    /** Resolves a name ("gpt2", "cl100k") or returns the text as a regex. */
    public static String resolve(String nameOrRegex) {
        return switch (nameOrRegex) {
            case "gpt2" -> GPT2;
            case "cl100k" -> CL100K;
            default -> nameOrRegex;
        };
    }

    /**
     * Compiles with Unicode character classes: \s must match Unicode whitespace as it does in
     * Oniguruma, the engine Hugging Face tokenizers uses.
     */
    public static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }
}

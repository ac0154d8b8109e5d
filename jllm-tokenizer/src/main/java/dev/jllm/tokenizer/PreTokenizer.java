package dev.jllm.tokenizer;

import java.util.regex.Pattern;

/**
 * Splits text into pre-tokens (the "words" that BPE merges within). Works on index ranges of one
 * string so the hot path creates no substrings; {@code end} acts as the end of the text (a
 * lookahead such as {@code (?!\S)} does not see past it), as in tiktoken and Hugging Face.
 */
public interface PreTokenizer {

    /** Receives one pre-token {@code [start, end)} of the string being split. */
    @FunctionalInterface
    interface RangeSink {
        void accept(int start, int end);
    }

    void split(String text, int start, int end, RangeSink sink);

    /** The GPT-2 / r50k / p50k pattern (case-sensitive contractions, digit runs unlimited). */
    String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** cl100k_base as written by jtokkit. */
    String CL100K = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's tokenizer.json pattern: the cl100k pattern (same matches). */
    String LLAMA3 = CL100K;
    /** Qwen2 / Qwen2.5 / Qwen3: cl100k with single digits. */
    String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** o200k_base (GPT-4o): case-aware words with trailing contractions. */
    String O200K = String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+");
    /** DeepSeek-V3's three isolated splits, applied in sequence. */
    String[] DEEPSEEK_V3 = {
            "\\p{N}{1,3}",
            "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"
    };

    /**
     * The pre-tokenizer for a split pattern whose every match is a piece and which matches
     * everywhere (the tiktoken convention). Known patterns get a hand-written scanner that is
     * tested to split exactly like the regex; any other pattern runs on java.util.regex.
     */
    static PreTokenizer forPattern(String regex) {
        String known = PreTokenizerScanners.canonical(regex);
        if (known != null) {
            PreTokenizer scanner = PreTokenizerScanners.scannerFor(known);
            if (scanner != null) return scanner;
        }
        return new PreTokenizerRegex(compile(regex), PreTokenizerRegex.Behavior.ISOLATED, false);
    }

    /** Compiles a tiktoken / Hugging Face (Oniguruma) split pattern for java.util.regex. */
    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("pre-tokenizer pattern does not compile as a Java regex: "
                    + e.getDescription() + " at index " + e.getIndex() + " in " + regex, e);
        }
    }
}

package dev.jllm.tokenizer;

/**
 * Hugging Face's {@code Digits} pre-tokenizer: numeric characters (Rust's {@code char::is_numeric},
 * the N* categories) are split off, each on its own ({@code individual_digits}) or as runs.
 */
final class PreTokenizerDigits implements PreTokenizer {
    private final boolean individual;

    PreTokenizerDigits(boolean individual) {
        this.individual = individual;
    }

    @Override
    public void split(String s, int start, int end, RangeSink sink) {
        int i = start;
        while (i < end) {
            boolean digit = (PreTokenizerScanners.cls(s, i) & PreTokenizerCharClass.NUMBER) != 0;
            int j = i + PreTokenizerScanners.len(s, i);
            if (!digit || !individual) {
                while (j < end && ((PreTokenizerScanners.cls(s, j) & PreTokenizerCharClass.NUMBER) != 0) == digit) {
                    j += PreTokenizerScanners.len(s, j);
                }
            }
            sink.accept(i, j);
            i = j;
        }
    }
}

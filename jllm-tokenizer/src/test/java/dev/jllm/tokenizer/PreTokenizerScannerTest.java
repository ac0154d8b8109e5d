package dev.jllm.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hand-written scanners split exactly as java.util.regex does with the same pattern, and
 * the Split behaviours follow the Hugging Face documentation's example.
 */
class PreTokenizerScannerTest {

    static List<String> split(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        p.split(text, 0, text.length(), (a, b) -> out.add(text.substring(a, b)));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"GPT2", "CL100K", "QWEN2", "O200K"})
    void scannerSplitsLikeTheRegex(String which) throws Exception {
        String pattern = (String) PreTokenizer.class.getField(which).get(null);
        PreTokenizer scanner = PreTokenizer.forPattern(pattern);
        if (scanner instanceof PreTokenizerRegex) fail(which + " has no scanner");
        PreTokenizer regex = new PreTokenizerRegex(PreTokenizer.compile(pattern), PreTokenizerRegex.Behavior.ISOLATED, false);
        List<String> texts = new ArrayList<>(ByteLevelBpeTestCorpus.edgeCases());
        texts.add("it'ſ IT'ſ x'K ǅa ʰa \u0301\u0301 a\u0301B\u0301c 'S'\u017F");
        List<String> brown = ByteLevelBpeTestCorpus.brown();
        texts.addAll(brown.subList(0, Math.min(60, brown.size())));
        texts.addAll(ByteLevelBpeTestCorpus.jdkSources(300_000));
        for (String t : texts) {
            List<String> expected = split(regex, t);
            List<String> ours = split(scanner, t);
            if (!expected.equals(ours)) {
                int i = 0;
                while (i < ours.size() && i < expected.size() && ours.get(i).equals(expected.get(i))) i++;
                fail(which + ": piece " + i + " differs: ours '" + ByteLevelBpeTestCorpus.escape(i < ours.size() ? ours.get(i) : "<end>")
                        + "' regex '" + ByteLevelBpeTestCorpus.escape(i < expected.size() ? expected.get(i) : "<end>") + "'");
            }
        }
    }

    @Test
    void knownSpellingsGetScanners() {
        assertInstanceOf(PreTokenizerCl100k.class, PreTokenizer.forPattern(PreTokenizer.LLAMA3));
        assertInstanceOf(PreTokenizerGpt2.class,
                PreTokenizer.forPattern("'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"));
        assertInstanceOf(PreTokenizerRegex.class, PreTokenizer.forPattern("\\p{N}{1,3}"));
    }

    /** The example of Hugging Face's SplitDelimiterBehavior documentation: "the-final--countdown" split on "-". */
    @Test
    void splitBehaviours() {
        String text = "the-final--countdown";
        java.util.regex.Pattern dash = java.util.regex.Pattern.compile("-");
        assertEquals(List.of("the", "final", "countdown"), split(new PreTokenizerRegex(dash, PreTokenizerRegex.Behavior.REMOVED, false), text));
        assertEquals(List.of("the", "-", "final", "-", "-", "countdown"), split(new PreTokenizerRegex(dash, PreTokenizerRegex.Behavior.ISOLATED, false), text));
        assertEquals(List.of("the-", "final-", "-", "countdown"), split(new PreTokenizerRegex(dash, PreTokenizerRegex.Behavior.MERGED_WITH_PREVIOUS, false), text));
        assertEquals(List.of("the", "-final", "-", "-countdown"), split(new PreTokenizerRegex(dash, PreTokenizerRegex.Behavior.MERGED_WITH_NEXT, false), text));
        assertEquals(List.of("the", "-", "final", "--", "countdown"), split(new PreTokenizerRegex(dash, PreTokenizerRegex.Behavior.CONTIGUOUS, false), text));
        // invert: what the pattern matches is content, the rest are the delimiters
        assertEquals(List.of("the", "final", "countdown"), split(new PreTokenizerRegex(java.util.regex.Pattern.compile("[a-z]+"),
                PreTokenizerRegex.Behavior.REMOVED, true), text));
    }

    @Test
    void digits() {
        assertEquals(List.of("abc", "1", "2", "3", "d"), split(new PreTokenizerDigits(true), "abc123d"));
        assertEquals(List.of("abc", "123", "d"), split(new PreTokenizerDigits(false), "abc123d"));
    }

    @Test
    void badPatternIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreTokenizer.forPattern("(\\p{L}"));
        assertEquals(true, e.getMessage().contains("does not compile"), e.getMessage());
    }
}

package dev.jllm.tokenizer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Merge sequences worked out by hand from the BPE rules (most frequent pair; ties: smaller ids). */
class BpeTrainerHandComputedTest {

    private static List<String> merges(TrainedBpe t) {
        return t.merges().stream().map(m -> m[0] + " " + m[1]).toList();
    }

    private static BpeTrainer.Options opts(int merges) {
        return BpeTrainer.Options.of(256 + merges).withThreads(1);
    }

    /**
     * "aaabdaaabac" is one word. Pairs: aa 4, ab 2, bd da ba ac 1.
     * 1. a+a (4) gives [aa a b d aa a b a c]; (aa,a) and (a,b) both 2, and (a,b) has the smaller left id.
     * 2. a+b gives [aa ab d aa ab a c]; (aa,ab) 2.   3. aa+ab gives [aaab d aaab a c]; every pair 1.
     * 4. smallest left id is 'a': a+c.   5. then 'd': d+aaab.   6. aaab+daaab.   7. aaabdaaab+ac.
     */
    @Test
    void wikipediaExampleMergeOrder() {
        TrainedBpe t = new BpeTrainer(opts(7)).train(List.of("aaabdaaabac"));
        assertThat(merges(t)).containsExactly("a a", "a b", "aa ab", "a c", "d aaab", "aaab daaab", "aaabdaaab ac");
        assertThat(t.vocab()).containsEntry("aaabdaaabac", 256 + 6);
        assertThat(t.vocabSize()).isEqualTo(263);
    }

    @Test
    void stopsWhenVocabularyIsFull() {
        TrainedBpe t = new BpeTrainer(opts(2)).train(List.of("aaabdaaabac"));
        assertThat(merges(t)).containsExactly("a a", "a b");
    }

    /** With min frequency 2 the merges of count 4, 2 and 2 happen; then every pair occurs once. */
    @Test
    void minFrequencyStopsEarly() {
        TrainedBpe t = new BpeTrainer(opts(100).withMinFrequency(2)).train(List.of("aaabdaaabac"));
        assertThat(merges(t)).containsExactly("a a", "a b", "aa ab");
    }

    /** "ab ab" splits into "ab" and " ab" (GPT-2 regex); the space is the byte symbol 'Ġ'. ab: 2, Ġa: 1. */
    @Test
    void spaceIsTheByteSymbolG() {
        TrainedBpe t = new BpeTrainer(opts(5)).train(List.of("ab ab"));
        assertThat(merges(t)).containsExactly("a b", "Ġ ab");
    }

    /** Word counts weigh pairs: "low" x3 and "lowest" x1; "es" x1 vs "lo"/"ow" x4; "low" wins over "ow"+... */
    @Test
    void wordCountsWeighPairs() {
        TrainedBpe t = new BpeTrainer(opts(3)).train(List.of("low low low lowest"));
        // words: "low" 1, " low" 2, " lowest" 1. Pairs: l-o 4, o-w 4, Ġ-l 3, w-e 1, e-s 1, s-t 1.
        // 1. l+o (4; 'l' < 'o'). 2. lo+w (4). 3. Ġ+low (3).
        assertThat(merges(t)).containsExactly("l o", "lo w", "Ġ low");
    }

    @Test
    void specialTokensComeFirstAndAreCutOutOfTheText() {
        TrainedBpe t = new BpeTrainer(new BpeTrainer.Options(2 + 256 + 1, 1, List.of("<|endoftext|>", "<pad>"), SplitPatterns.GPT2, 1))
                .train(List.of("xy<|endoftext|>xy"));
        assertThat(t.vocab()).containsEntry("<|endoftext|>", 0).containsEntry("<pad>", 1);
        assertThat(t.vocabSize()).isEqualTo(2 + 256 + 1);
        assertThat(merges(t)).containsExactly("x y"); // not "y <" nor anything from the special token
    }

    @Test
    void byteSymbolsAreOrderedByCharacter() {
        TrainedBpe t = new BpeTrainer(opts(0)).train(List.of("a"));
        Map<String, Integer> v = t.vocab();
        assertThat(v.get("!")).isEqualTo(0);
        assertThat(v.get("a")).isLessThan(v.get("Ġ"));
        assertThat(v).hasSize(256);
    }

    @Test
    void nonAsciiTextIsTrainedOnItsUtf8Bytes() {
        // "é" is C3 A9 in UTF-8, shown as "Ã" and "©".
        TrainedBpe t = new BpeTrainer(opts(1)).train(List.of("é é"));
        assertThat(merges(t)).containsExactly("Ã ©");
    }

    @Test
    void rejectsAVocabularyBelowTheByteAlphabet() {
        assertThatThrownBy(() -> BpeTrainer.Options.of(100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below 256");
    }
}

package dev.jllm.tokenizer;

import java.util.List;

/** Pre-tokenizers applied in turn: each one splits every piece the previous one produced. */
final class PreTokenizerSequence implements PreTokenizer {
    private final PreTokenizer[] stages;

    PreTokenizerSequence(List<PreTokenizer> stages) {
        this.stages = stages.toArray(PreTokenizer[]::new);
    }

    @Override
    public void split(String text, int start, int end, RangeSink sink) {
        splitFrom(0, text, start, end, sink);
    }

    private void splitFrom(int stage, String text, int start, int end, RangeSink sink) {
        if (stage == stages.length) {
            sink.accept(start, end);
            return;
        }
        stages[stage].split(text, start, end, (s, e) -> splitFrom(stage + 1, text, s, e, sink));
    }
}

package dev.jllm.train.data;

/**
 * {@code rows} packed sequences of {@code seqLen} tokens, row-major: the model reads
 * {@code inputs}, predicts {@code targets} (the inputs shifted left by one;
 * {@link dev.jllm.nn.TrainableLM#IGNORE} where nothing counts) and, with document masking,
 * attends only within equal {@code docIds}.
 */
public record Batch(int[] inputs, int[] targets, int[] docIds, int rows, int seqLen) {
    public Batch {
        int n = rows * seqLen;
        if (inputs.length != n || targets.length != n || docIds.length != n) {
            throw new IllegalArgumentException("batch arrays must hold rows * seqLen = " + n + " ints");
        }
    }

    /** Number of positions whose target counts. */
    public long countedTargets() {
        long c = 0;
        for (int t : targets) if (t != dev.jllm.nn.TrainableLM.IGNORE) c++;
        return c;
    }
}

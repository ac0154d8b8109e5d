package dev.jllm.nn;

import java.util.List;

/**
 * What the trainer needs from a language model: its parameters, and one fused
 * forward + backward over a batch of packed sequences. Architectures implement it in the same
 * file as their inference path (DESIGN.md: one definition per architecture).
 */
public interface TrainableLM {
    /** Every trainable weight, in a stable order (checkpoints and optimizer state follow it). */
    List<Parameter> parameters();

    /**
     * Next-token cross-entropy over {@code batch} rows of {@code seqLen} tokens.
     *
     * @param inputs  {@code batch * seqLen} token ids, row-major
     * @param targets same shape; {@link #IGNORE} marks positions that do not count
     * @param docIds  null for plain causal attention, else same shape: a token attends only to
     *                earlier tokens with the same document id (cross-document masking when packing)
     * @param gradScale when > 0, runs the backward pass of {@code gradScale * meanLoss} and ADDS the
     *                gradients into each {@link Parameter#grad()} (accumulation); 0 for evaluation only
     * @return mean loss over the counted tokens, and how many there were
     */
    StepLoss step(int[] inputs, int[] targets, int[] docIds, int batch, int seqLen, float gradScale);

    /** Target id that contributes neither loss nor gradient (PyTorch's ignore_index). */
    int IGNORE = -100;

    /** Mean cross-entropy of one call and the number of target tokens it averaged over. */
    record StepLoss(double loss, long tokens) {}
}

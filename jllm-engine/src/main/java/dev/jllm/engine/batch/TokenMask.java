package dev.jllm.engine.batch;

import java.util.BitSet;

/**
 * Restricts which tokens may come next (constrained decoding: JSON schema, grammar, choice
 * lists). Called on the engine thread before every sampling step of its request; disallowed
 * tokens get probability 0, the sampler then runs as usual on what is left. A mask that
 * allows nothing ends the request with {@link FinishReason#ERROR}.
 */
@FunctionalInterface
public interface TokenMask {
    /**
     * @param generated ids generated so far for this request ({@code count} valid entries;
     *                  the prompt is not included)
     * @param allowed   every id of the vocabulary is set on entry; clear the ones that may not come next
     */
    void restrict(int[] generated, int count, BitSet allowed);
}

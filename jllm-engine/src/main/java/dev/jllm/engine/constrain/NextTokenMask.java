package dev.jllm.engine.constrain;

import java.util.BitSet;

/**
 * Restricts which token may come next (the generation loop's hook for constrained decoding).
 * Same shape as the batching engine's mask, so a {@link TokenConstraint} plugs into either.
 */
@FunctionalInterface
public interface NextTokenMask {
    /**
     * @param generated ids generated so far ({@code count} valid; the prompt is not included)
     * @param allowed   every id is set on entry; clear the ones that may not come next
     */
    void restrict(int[] generated, int count, BitSet allowed);

    /** Sets the logits of tokens not in {@code allowed} to -inf (so no sampler setting can pick them). */
    static void applyTo(BitSet allowed, float[] logits) {
        for (int i = allowed.nextClearBit(0); i < logits.length; i = allowed.nextClearBit(i + 1)) logits[i] = Float.NEGATIVE_INFINITY;
    }
}

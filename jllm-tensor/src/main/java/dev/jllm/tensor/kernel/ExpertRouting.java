package dev.jllm.tensor.kernel;

import java.util.Arrays;

/**
 * The router of a sparse mixture-of-experts layer: from one token's router logits to the
 * experts it runs through and the weight of each expert's output.
 *
 * <p>Steps, as llama.cpp's {@code build_moe_ffn} and the reference models apply them:
 * <ol>
 *   <li>scores = softmax(logits) over all experts (Mixtral, Qwen-MoE, DeepSeek-V2) or
 *       sigmoid(logits) per expert (DeepSeek-V3);</li>
 *   <li>selection scores = scores + an optional per-expert bias (DeepSeek-V3's
 *       {@code e_score_correction_bias}: it steers the choice but never the weights);</li>
 *   <li>group-limited routing (DeepSeek) when there are groups: each group is scored by its best
 *       selection score (no bias; V2's group_limited_greedy) or by the sum of its two best (with a
 *       bias; V3's noaux_tc), and only the {@code groupsUsed} best groups stay eligible;</li>
 *   <li>the {@code used} eligible experts with the highest selection scores are chosen (ties go to
 *       the lower index);</li>
 *   <li>weights = the chosen experts' scores, divided by their sum when {@code normalize}
 *       (Mixtral's softmax over the selected logits is exactly this), times {@code scale}.</li>
 * </ol>
 */
public final class ExpertRouting {
    private ExpertRouting() {}

    /** How raw router logits become scores. */
    public enum Gating { SOFTMAX, SIGMOID }

    /**
     * @param used experts per token
     * @param normalize divide the chosen scores by their sum
     * @param scale multiplier of the final weights (DeepSeek's routed_scaling_factor; 1 for none)
     * @param selectionBias per-expert bias added for the choice only, or null
     * @param groups expert groups for group-limited routing (0 or 1: no groups)
     * @param groupsUsed groups kept when {@code groups > 1}
     */
    public record Policy(Gating gating, int used, boolean normalize, float scale, float[] selectionBias,
                         int groups, int groupsUsed) {
        public Policy {
            if (used <= 0) throw new IllegalArgumentException("experts used per token must be positive, got " + used);
            if (groups > 1 && (groupsUsed <= 0 || groupsUsed > groups)) {
                throw new IllegalArgumentException("groups used " + groupsUsed + " must lie in [1, " + groups + "]");
            }
        }

        /** Softmax gating, top {@code used}, optional renormalization; no bias, groups or scale. */
        public static Policy softmax(int used, boolean normalize) {
            return new Policy(Gating.SOFTMAX, used, normalize, 1f, null, 0, 0);
        }
    }

    /**
     * Routes one token: reads {@code experts} logits at {@code logits[off..]}, writes the chosen
     * expert indices to {@code chosen[cOff .. cOff + used)} (best first) and their weights to
     * {@code weights[wOff ..]}.
     */
    public static void route(float[] logits, int off, int experts, Policy p, int[] chosen, int cOff, float[] weights, int wOff) {
        KernelArgs.positive("experts", experts);
        KernelArgs.slice("logits", logits, off, experts);
        int k = p.used();
        if (k > experts) throw new IllegalArgumentException("cannot choose " + k + " of " + experts + " experts");
        if (p.selectionBias() != null && p.selectionBias().length != experts) {
            throw new IllegalArgumentException("selection bias has " + p.selectionBias().length + " values for " + experts + " experts");
        }
        if (p.groups() > 1 && experts % p.groups() != 0) {
            throw new IllegalArgumentException(experts + " experts do not split into " + p.groups() + " groups");
        }
        if (cOff < 0 || cOff + k > chosen.length || wOff < 0 || wOff + k > weights.length) {
            throw new IllegalArgumentException("chosen/weights need " + k + " slots from offsets " + cOff + "/" + wOff);
        }
        float[] scores = new float[experts];
        if (p.gating() == Gating.SOFTMAX) {
            Softmax.softmax(logits, off, scores, 0, experts);
        } else {
            for (int e = 0; e < experts; e++) scores[e] = (float) (1.0 / (1.0 + Math.exp(-logits[off + e])));
        }
        float[] select = scores.clone();
        if (p.selectionBias() != null) {
            for (int e = 0; e < experts; e++) select[e] += p.selectionBias()[e];
        }
        if (p.groups() > 1) maskGroups(select, p.groups(), p.groupsUsed(), p.selectionBias() != null);
        float sum = 0;
        for (int i = 0; i < k; i++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (select[e] == Float.NEGATIVE_INFINITY) continue;
                if (best < 0 || select[e] > select[best]) best = e;
            }
            if (best < 0) throw new IllegalStateException("fewer than " + k + " eligible experts (NaN router logits?)");
            chosen[cOff + i] = best;
            weights[wOff + i] = scores[best];
            sum += scores[best];
            select[best] = Float.NEGATIVE_INFINITY;
        }
        float factor = p.scale() * (p.normalize() ? 1f / sum : 1f);
        for (int i = 0; i < k; i++) weights[wOff + i] *= factor;
    }

    /** Sets the selection scores of all but the {@code keep} best groups to -inf. */
    private static void maskGroups(float[] select, int groups, int keep, boolean topTwoSum) {
        int size = select.length / groups;
        float[] groupScore = new float[groups];
        for (int g = 0; g < groups; g++) {
            float first = Float.NEGATIVE_INFINITY, second = Float.NEGATIVE_INFINITY;
            for (int e = g * size; e < (g + 1) * size; e++) {
                if (select[e] > first) {
                    second = first;
                    first = select[e];
                } else if (select[e] > second) {
                    second = select[e];
                }
            }
            groupScore[g] = topTwoSum && size > 1 ? first + second : first;
        }
        boolean[] kept = new boolean[groups];
        for (int i = 0; i < keep; i++) {
            int best = -1;
            for (int g = 0; g < groups; g++) if (!kept[g] && (best < 0 || groupScore[g] > groupScore[best])) best = g;
            kept[best] = true;
        }
        for (int g = 0; g < groups; g++) {
            if (!kept[g]) Arrays.fill(select, g * size, (g + 1) * size, Float.NEGATIVE_INFINITY);
        }
    }
}

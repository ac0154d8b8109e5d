package dev.jllm.nn.optim;

import dev.jllm.nn.Parameter;

import java.util.List;

/** Gradient clipping by the global L2 norm over all parameters (as torch's clip_grad_norm_). */
public final class GradClip {
    private GradClip() {}

    /** The L2 norm of all gradients together, accumulated in double. */
    public static double globalNorm(List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) sum += Reductions.sumOfSquares(p.grad());
        return Math.sqrt(sum);
    }

    /**
     * Scales every gradient by {@code maxNorm / (norm + 1e-6)} when that is below 1 and returns
     * the norm before clipping. A non-finite norm leaves the gradients untouched (the caller
     * sees it in the return value and typically skips the step).
     */
    public static double clipGlobalNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            for (Parameter p : params) {
                float[] g = p.grad();
                Elementwise.forEach(g.length, (s, e) -> {
                    for (int i = s; i < e; i++) g[i] *= c;
                });
            }
        }
        return norm;
    }
}

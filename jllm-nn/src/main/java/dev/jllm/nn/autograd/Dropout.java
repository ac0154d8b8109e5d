package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;

/**
 * Inverted dropout: each element is kept with probability {@code 1 − p} and scaled by
 * {@code 1/(1 − p)}, so evaluation needs no rescaling. Whether element i is kept is a hash of
 * (seed, i) (SplitMix64), not a stream of random numbers: the mask is the same whatever the
 * thread count, and the backward pass recomputes it instead of storing it.
 */
public final class Dropout {
    private Dropout() {}

    private static final int GRAIN = 16 * 1024;

    /**
     * @param p        drop probability in {@code [0, 1)}
     * @param seed     picks the mask; use a fresh one per step and per call site
     * @param training false (evaluation) or {@code p == 0} returns {@code x} itself
     */
    public static Var apply(Tape t, Var x, float p, long seed, boolean training) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        if (!training || p == 0) return x;
        float keepScale = 1f / (1f - p);
        long threshold = (long) Math.ceil(p * (double) (1L << 24)); // keep when the 24-bit hash >= p·2^24
        float[] xd = x.data();
        float[] y = new float[xd.length];
        Parallel.forRange(xd.length, GRAIN, (s, e) -> {
            for (int i = s; i < e; i++) y[i] = kept(seed, i, threshold) ? xd[i] * keepScale : 0f;
        });
        Var out = t.output(y, x.shape(), x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            Parallel.forRange(xd.length, GRAIN, (s, e) -> {
                for (int i = s; i < e; i++) if (kept(seed, i, threshold)) dx[i] += dy[i] * keepScale;
            });
        }, x);
    }

    /** Whether element {@code i} survives: the top 24 bits of SplitMix64(seed, i) against the threshold. */
    static boolean kept(long seed, int i, long threshold) {
        long z = seed + (i + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) >= threshold;
    }
}

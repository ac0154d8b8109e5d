package dev.jllm.train.data;

import java.util.SplittableRandom;

/**
 * Deterministic permutations: a pure function of (n, seed, salt), so a resumed run rebuilds the
 * exact document order of any epoch from two numbers instead of saving generator state.
 * SplittableRandom's algorithm is fixed by its specification, hence identical on every JVM.
 */
public final class Shuffle {
    private Shuffle() {}

    /** Fisher–Yates over 0..n-1. */
    public static int[] permutation(int n, long seed, long salt) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(mix(seed, salt));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Stafford's variant 13 of the 64-bit finalizer over seed and salt, so nearby salts give unrelated streams. */
    static long mix(long seed, long salt) {
        long z = seed + 0x9E3779B97F4A7C15L * (salt + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

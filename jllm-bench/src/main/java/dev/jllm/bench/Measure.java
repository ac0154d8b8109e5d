package dev.jllm.bench;

import java.util.Arrays;

/** Timing helpers shared by the bench runners: warm up, repeat, report the median. */
public final class Measure {
    private Measure() {}

    /** Runs {@code body} {@code warmup} times, then {@code reps} times, and returns the median seconds. */
    public static double medianSeconds(int warmup, int reps, Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        return median(t);
    }

    /**
     * Warms up for {@code minSeconds} (the JIT needs that long to compile the vector kernels on a busy machine), then
     * repeats {@code body} until {@code minSeconds} more have passed (at least 3 times) and
     * returns the median seconds per call.
     */
    public static double medianSecondsFor(double minSeconds, Runnable body) {
        long warmEnd = System.nanoTime() + (long) (minSeconds * 1e9);
        do body.run(); while (System.nanoTime() < warmEnd);
        double[] t = new double[4096];
        int n = 0;
        long start = System.nanoTime();
        while (n < t.length && (n < 3 || (System.nanoTime() - start) / 1e9 < minSeconds)) {
            long s = System.nanoTime();
            body.run();
            t[n++] = (System.nanoTime() - s) / 1e9;
        }
        return median(Arrays.copyOf(t, n));
    }

    /** Like {@link #medianSeconds} but returns the fastest run (STREAM's convention for bandwidth). */
    public static double minSeconds(int warmup, int reps, Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            body.run();
            best = Math.min(best, (System.nanoTime() - s) / 1e9);
        }
        return best;
    }

    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}

package dev.jllm.nn.optim;

import dev.jllm.tensor.Parallel;

/**
 * Double-precision sums whose result does not depend on the thread count: the array is cut
 * into fixed-size chunks, each summed in order, and the chunk sums added in order. That keeps
 * restored-from-checkpoint runs bit-identical to continuous ones on any machine size.
 */
final class Reductions {
    static final int CHUNK = 1 << 14;

    private Reductions() {}

    static double sumOfSquares(float[] x) {
        return sumOfSquares(x, 0, x.length);
    }

    static double sumOfSquares(float[] x, int off, int len) {
        int chunks = (len + CHUNK - 1) / CHUNK;
        if (chunks <= 1) return sq(x, off, off + len);
        double[] part = new double[chunks];
        Parallel.forRange(chunks, (s, e) -> {
            for (int c = s; c < e; c++) {
                int from = off + c * CHUNK;
                part[c] = sq(x, from, Math.min(off + len, from + CHUNK));
            }
        });
        double sum = 0;
        for (double p : part) sum += p;
        return sum;
    }

    private static double sq(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) x[i] * x[i];
        return s;
    }
}

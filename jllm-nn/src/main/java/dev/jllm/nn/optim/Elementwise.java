package dev.jllm.nn.optim;

import dev.jllm.tensor.Parallel;

/** Splits an elementwise update over the shared thread team once it is large enough to pay. */
final class Elementwise {
    /** Below this many elements a parameter is updated on the calling thread. */
    static final int GRAIN = 1 << 15;

    private Elementwise() {}

    static void forEach(int n, Parallel.Range body) {
        if (n < 2 * GRAIN) body.run(0, n);
        else Parallel.forRange(n, GRAIN, body);
    }
}

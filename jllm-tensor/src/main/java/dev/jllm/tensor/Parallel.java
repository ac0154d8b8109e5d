package dev.jllm.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The one shared, fixed-size thread team every kernel runs on.
 *
 * <p>{@code -Djllm.threads=N} sets its size (default: available processors). Work is split
 * into contiguous ranges, one per thread, which the caller and the workers claim from a
 * shared counter: a worker the OS has not scheduled yet (a busy machine) does not hold the
 * call up, because the caller takes its range too. Workers spin briefly before parking,
 * because decode issues thousands of small parallel calls a second and waking a parked
 * thread costs more than the work.
 */
public final class Parallel {
    /** Body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface Range {
        void run(int start, int end);
    }

    private static final int THREADS = chooseThreads();
    private static final Worker[] WORKERS = new Worker[THREADS - 1];
    private static final Object LOCK = new Object(); // one parallel region at a time
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private Parallel() {}

    public static int threads() { return THREADS; }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} ranges whose
     * boundaries are multiples of {@code grain} (except the last). Nested calls run serially.
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        grain = Math.max(1, grain);
        int chunks = Math.min(THREADS, (n + grain - 1) / grain);
        if (chunks <= 1 || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        synchronized (LOCK) {
            int per = ((n + grain - 1) / grain + chunks - 1) / chunks * grain;
            Region region = new Region(body, n, per, (n + per - 1) / per);
            for (int c = 1; c < region.chunks; c++) WORKERS[c - 1].submit(region);
            INSIDE.set(true);
            try {
                region.work();
            } finally {
                INSIDE.set(false);
            }
            int spins = 0;
            while (region.done.get() < region.chunks) {
                if (++spins < 20_000) Thread.onSpinWait();
                else LockSupport.parkNanos(20_000);
            }
            Throwable f = region.failure.get();
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            if (f != null) throw new RuntimeException(f);
        }
    }

    /** {@link #forRange(int, int, Range)} with grain 1. */
    public static void forRange(int n, Range body) { forRange(n, 1, body); }

    private static int chooseThreads() {
        String v = System.getProperty("jllm.threads", "").trim();
        int n = v.isEmpty() ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(v);
        if (n < 1) throw new IllegalArgumentException("jllm.threads must be >= 1, got " + n);
        return n;
    }

    /** One parallel call: its ranges go to whoever claims them first. */
    private static final class Region {
        final Range body;
        final int n, per, chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Region(Range body, int n, int per, int chunks) {
            this.body = body; this.n = n; this.per = per; this.chunks = chunks;
        }

        /** Claims and runs ranges until none is left. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    body.run(c * per, Math.min(n, (c + 1) * per));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private final AtomicReference<Region> pending = new AtomicReference<>();

        Worker(int id) {
            super("jllm-kernel-" + id);
            setDaemon(true);
        }

        void submit(Region r) {
            pending.set(r);
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            INSIDE.set(true);
            int spins = 0;
            while (true) {
                Region r = pending.get();
                if (r == null || !pending.compareAndSet(r, null)) {
                    if (++spins < 50_000) Thread.onSpinWait();
                    else LockSupport.park(this);
                    continue;
                }
                spins = 0;
                r.work(); // finds nothing left when the caller already took this range
            }
        }
    }
}

package dev.jllm.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one shared, fixed-size thread team every kernel runs on.
 *
 * <p>{@code -Djllm.threads=N} sets its size (default: available processors). Work is split
 * into contiguous ranges, one per thread; the caller runs the first range itself. Workers
 * spin briefly before parking, because decode issues thousands of small parallel calls a
 * second and waking a parked thread costs more than the work.
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
            AtomicInteger pending = new AtomicInteger(chunks - 1);
            Throwable[] failure = new Throwable[1];
            Thread caller = Thread.currentThread();
            for (int c = 1; c < chunks; c++) {
                int s = Math.min(n, c * per);
                int e = Math.min(n, s + per);
                WORKERS[c - 1].submit(s, e, body, pending, failure, caller);
            }
            INSIDE.set(true);
            try {
                body.run(0, Math.min(n, per));
            } catch (Throwable t) {
                synchronized (failure) { if (failure[0] == null) failure[0] = t; }
            } finally {
                INSIDE.set(false);
            }
            int spins = 0;
            while (pending.get() > 0) {
                if (++spins < 20_000) Thread.onSpinWait();
                else LockSupport.parkNanos(20_000);
            }
            if (failure[0] instanceof RuntimeException re) throw re;
            if (failure[0] instanceof Error er) throw er;
            if (failure[0] != null) throw new RuntimeException(failure[0]);
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

    private static final class Worker extends Thread {
        private volatile Range body;
        private int start, end;
        private AtomicInteger pending;
        private Throwable[] failure;
        private Thread caller;

        Worker(int id) {
            super("jllm-kernel-" + id);
            setDaemon(true);
        }

        void submit(int s, int e, Range b, AtomicInteger p, Throwable[] f, Thread c) {
            start = s; end = e; pending = p; failure = f; caller = c;
            body = b; // volatile write publishes the fields above
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            INSIDE.set(true);
            int spins = 0;
            while (true) {
                Range b = body;
                if (b == null) {
                    if (++spins < 50_000) Thread.onSpinWait();
                    else LockSupport.park(this);
                    continue;
                }
                spins = 0;
                try {
                    b.run(start, end);
                } catch (Throwable t) {
                    synchronized (failure) { if (failure[0] == null) failure[0] = t; }
                } finally {
                    body = null;
                    pending.decrementAndGet();
                }
            }
        }
    }
}

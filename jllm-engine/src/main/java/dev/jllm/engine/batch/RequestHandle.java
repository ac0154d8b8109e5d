package dev.jllm.engine.batch;

import java.util.concurrent.CompletableFuture;

/** A submitted request: cancel it, or wait for its {@link Completion}. Thread-safe. */
public final class RequestHandle {
    private final long id;
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private volatile boolean cancelRequested;
    private final Runnable wake;

    RequestHandle(long id, Runnable wake) {
        this.id = id;
        this.wake = wake;
    }

    /** Unique within the engine, increasing in submission order. */
    public long id() { return id; }

    /**
     * Asks the engine to stop this request: its KV blocks are freed at the start of the next
     * step and the listener gets a {@link FinishReason#CANCELLED} completion (unless it had
     * already finished). Idempotent.
     */
    public void cancel() {
        cancelRequested = true;
        wake.run();
    }

    public boolean isCancelRequested() { return cancelRequested; }

    public boolean isDone() { return completion.isDone(); }

    /** Completes (never exceptionally) with the same object the listener's {@code onComplete} got. */
    public CompletableFuture<Completion> completion() { return completion; }

    void complete(Completion c) { completion.complete(c); }
}

package dev.jllm.engine.batch;

/** Thrown by {@link BatchEngine#submit} when the waiting queue is full (a server answers 429). */
public final class QueueFullException extends RuntimeException {
    private final int queued;

    public QueueFullException(int queued, int maxQueue) {
        super("the engine's queue is full (" + queued + " waiting, limit " + maxQueue + "): retry later");
        this.queued = queued;
    }

    public int queued() { return queued; }
}

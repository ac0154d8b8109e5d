package dev.jllm.engine.batch;

/**
 * Where one request's time went, in milliseconds from {@code submit}.
 *
 * @param queuedMs   submit until the request was first scheduled
 * @param ttftMs     submit until the first token was sampled (NaN if none was)
 * @param totalMs    submit until the request finished
 * @param decodeTps  generated tokens per second after the first one (NaN if fewer than 2)
 * @param preemptions how often the request was preempted (its KV dropped and recomputed later)
 */
public record Timings(double queuedMs, double ttftMs, double totalMs, double decodeTps, int preemptions) {}

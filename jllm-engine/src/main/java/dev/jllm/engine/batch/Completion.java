package dev.jllm.engine.batch;

/**
 * The final event of a request.
 *
 * @param reason   why it ended
 * @param text     the whole generated text (stop strings and stop ids excluded)
 * @param tokenIds the generated ids (a stop id is not included; tokens after a stop string's start are)
 * @param tailText text not yet delivered in a {@link TokenEvent} (held back until the end); a
 *                 streaming client sends it last
 * @param usage    token counts
 * @param timings  latency figures
 * @param error    what went wrong when {@code reason} is {@link FinishReason#ERROR}, else null
 */
public record Completion(FinishReason reason, String text, int[] tokenIds, String tailText, Usage usage, Timings timings,
                         String error) {}

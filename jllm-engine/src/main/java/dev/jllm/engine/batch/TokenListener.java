package dev.jllm.engine.batch;

/**
 * Receives a request's tokens as they are generated. Both methods are called on the engine's
 * single step thread: keep them short and non-blocking (hand the event to a queue or write to
 * a non-blocking stream); a slow listener stalls every request in the batch. An exception
 * thrown by a listener ends that request with {@link FinishReason#ERROR} (and {@link #onComplete}
 * is still called once). {@link #onComplete} is called exactly once per accepted request.
 */
public interface TokenListener {
    void onToken(TokenEvent event);

    void onComplete(Completion completion);

    /** A listener that ignores tokens (use the handle's future for the result). */
    TokenListener NONE = new TokenListener() {
        @Override public void onToken(TokenEvent event) { }
        @Override public void onComplete(Completion completion) { }
    };
}

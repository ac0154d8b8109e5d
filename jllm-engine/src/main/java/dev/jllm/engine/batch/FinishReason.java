package dev.jllm.engine.batch;

/** Why a request ended. */
public enum FinishReason {
    /** An end-of-sequence id or a stop string. */
    STOP,
    /** The token limit (the request's max tokens or the context). */
    LENGTH,
    /** {@link RequestHandle#cancel()} or the engine closed. */
    CANCELLED,
    /** Something failed for this request (see {@link Completion#error()}). */
    ERROR;

    /** The name OpenAI's API uses ({@code stop}, {@code length}, ...). */
    public String apiName() { return name().toLowerCase(java.util.Locale.ROOT); }
}

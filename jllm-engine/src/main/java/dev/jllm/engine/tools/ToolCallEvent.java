package dev.jllm.engine.tools;

/** What the streaming parser reports, in order: content text, and per call its start, argument pieces and end. */
public sealed interface ToolCallEvent {
    /** Text that is not part of a tool call. */
    record Content(String text) implements ToolCallEvent {}

    /** A call begins; {@code index} counts calls from 0 within the output. */
    record CallStart(int index, String id, String name) implements ToolCallEvent {}

    /** More of the call's arguments JSON (the pieces concatenate to {@link ToolCall#argumentsJson()}). */
    record ArgumentsDelta(int index, String json) implements ToolCallEvent {}

    record CallEnd(int index) implements ToolCallEvent {}
}

package dev.jllm.rag;

/** A piece of a source document: its text and where it lies ({@code [start, end)} char offsets). */
public record Chunk(String source, int ordinal, int start, int end, String text) {}

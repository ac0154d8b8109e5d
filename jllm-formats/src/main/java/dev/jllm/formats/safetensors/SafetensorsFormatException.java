package dev.jllm.formats.safetensors;

import dev.jllm.formats.ModelFormatException;

import java.nio.file.Path;

/** A safetensors file or shard index is malformed (the message says what, and where). */
public class SafetensorsFormatException extends ModelFormatException {
    public SafetensorsFormatException(Path file, long offset, String message) {
        super(file, offset, message);
    }

    public SafetensorsFormatException(Path file, long offset, String message, Throwable cause) {
        super(file, offset, message, cause);
    }
}

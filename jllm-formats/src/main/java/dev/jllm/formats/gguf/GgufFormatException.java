package dev.jllm.formats.gguf;

import dev.jllm.formats.ModelFormatException;

import java.nio.file.Path;

/** A GGUF file is malformed or uses a feature jllm cannot read (the message says which, and where). */
public class GgufFormatException extends ModelFormatException {
    public GgufFormatException(Path file, long offset, String message) {
        super(file, offset, message);
    }
}

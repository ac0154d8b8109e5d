package dev.jllm.formats.onnx;

import dev.jllm.formats.ModelFormatException;

import java.nio.file.Path;

/** An ONNX model's protobuf is malformed, or an initializer cannot be read (the message says which, and where). */
public class OnnxFormatException extends ModelFormatException {
    public OnnxFormatException(Path file, long offset, String message) {
        super(file, offset, message);
    }

    public OnnxFormatException(Path file, long offset, String message, Throwable cause) {
        super(file, offset, message, cause);
    }
}

package dev.jllm.formats;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file is malformed or uses something jllm cannot read. The message names the file,
 * the byte offset (when one applies) and what was expected there.
 */
public class ModelFormatException extends IOException {
    private final Path file;
    private final long offset;

    public ModelFormatException(Path file, long offset, String message) {
        this(file, offset, message, null);
    }

    public ModelFormatException(Path file, long offset, String message, Throwable cause) {
        super(describe(file, offset, message), cause);
        this.file = file;
        this.offset = offset;
    }

    /** The file at fault (may be null for in-memory data). */
    public Path file() { return file; }

    /** Byte offset of the problem in {@link #file()}, or -1 when it concerns the file as a whole. */
    public long offset() { return offset; }

    private static String describe(Path file, long offset, String message) {
        String where = file == null ? "<memory>" : file.toString();
        return offset >= 0 ? where + ": at byte " + offset + ": " + message : where + ": " + message;
    }
}

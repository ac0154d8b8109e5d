package dev.jllm.formats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Little-endian reads from a segment with a position, where running past the end is a
 * {@link ModelFormatException} naming the offset and the field being read, never an
 * IndexOutOfBounds.
 */
public final class ByteCursor {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Makes the format-specific exception (GGUF, safetensors...) for a file, offset and message. */
    @FunctionalInterface
    public interface ErrorFactory {
        ModelFormatException create(Path file, long offset, String message);
    }

    private final MemorySegment seg;
    private final Path file;
    private final ErrorFactory errors;
    private long pos;

    public ByteCursor(MemorySegment seg, Path file, ErrorFactory errors) {
        this.seg = seg;
        this.file = file;
        this.errors = errors;
    }

    public long position() { return pos; }

    public void position(long p) { pos = p; }

    public long remaining() { return seg.byteSize() - pos; }

    public long size() { return seg.byteSize(); }

    public ModelFormatException error(long offset, String message) {
        return errors.create(file, offset, message);
    }

    /** Throws unless {@code n} more bytes exist; {@code what} names the field for the message. */
    public void need(long n, String what) throws ModelFormatException {
        if (n < 0 || n > remaining()) {
            throw error(pos, "file ends while reading " + what + " (needs " + Long.toUnsignedString(n)
                    + " bytes, " + remaining() + " left)");
        }
    }

    public byte i8(String what) throws ModelFormatException {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    public short i16(String what) throws ModelFormatException {
        need(2, what);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    public int i32(String what) throws ModelFormatException {
        need(4, what);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    public long i64(String what) throws ModelFormatException {
        need(8, what);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    public float f32(String what) throws ModelFormatException {
        need(4, what);
        float v = seg.get(F32, pos);
        pos += 4;
        return v;
    }

    public double f64(String what) throws ModelFormatException {
        need(8, what);
        double v = seg.get(F64, pos);
        pos += 8;
        return v;
    }

    /** {@code n} bytes copied to the heap (callers bound {@code n} first). */
    public byte[] bytes(long n, String what) throws ModelFormatException {
        need(n, what);
        if (n > Integer.MAX_VALUE - 8) throw error(pos, what + " of " + n + " bytes is too large");
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, (int) n);
        pos += n;
        return b;
    }

    public String utf8(long n, String what) throws ModelFormatException {
        return new String(bytes(n, what), StandardCharsets.UTF_8);
    }

    public void skip(long n, String what) throws ModelFormatException {
        need(n, what);
        pos += n;
    }
}

package dev.jllm.formats.gguf;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF file (v3 by default, or v2) the way ggml lays it out: header, metadata,
 * tensor infos, padding to the alignment, then each tensor's data padded to the alignment,
 * in the order tensors were added (so offsets are consecutive, as llama.cpp checks).
 *
 * <p>The alignment is {@value GgufFile#DEFAULT_ALIGNMENT} unless the metadata holds
 * {@code general.alignment} (UINT32, a power of two).
 */
public final class GgufWriter {
    /** llama.cpp rejects tensor names of GGML_MAX_NAME (64) bytes or more. */
    public static final int MAX_NAME_BYTES = 63;

    private record PendingTensor(String name, GgmlType type, long[] ne, long byteSize, MemorySegment data) {}

    /** Where each tensor's data went: absolute file offsets. */
    public record Layout(long dataOffset, Map<String, Long> tensorOffsets, long fileSize) {}

    private final int version;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    public GgufWriter() { this(3); }

    public GgufWriter(int version) {
        if (version != 2 && version != 3) throw new IllegalArgumentException("GGUF version must be 2 or 3, got " + version);
        this.version = version;
    }

    /** Adds or replaces a metadata entry (kept in insertion order). */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            // llama.cpp needs a power of two; the spec asks for a multiple of 8: write only values meeting both.
            if (value.type() != GgufType.UINT32 || value.asLong() < 8 || Long.bitCount(value.asLong()) != 1) {
                throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a UINT32 power of two >= 8, got " + value);
            }
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> values) {
        values.forEach(this::put);
        return this;
    }

    /** Adds a tensor; its elements are copied out when {@link #write} runs. */
    public GgufWriter addTensor(String name, Tensor t) {
        GgmlType type = GgmlType.of(t.dtype());
        long[] shape = t.shape();
        if (t.isHeap()) {
            float[] f = t.toFloatArray();
            MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, 4L * f.length));
            MemorySegment.copy(f, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, f.length);
            return add(name, type, shape, seg.asSlice(0, 4L * f.length));
        }
        Tensor c = t.contiguous();
        return add(name, type, shape, c.segment().asSlice(c.byteOffset(), c.byteSize()));
    }

    /** Adds a tensor from raw little-endian bytes laid out as ggml stores {@code dtype}. */
    public GgufWriter addTensor(String name, DType dtype, long[] shape, MemorySegment bytes) {
        return add(name, GgmlType.of(dtype), shape, bytes);
    }

    /** Adds raw bytes of any ggml type, including ones jllm cannot compute with. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment bytes) {
        return add(name, type, shape, bytes);
    }

    /**
     * Declares a tensor whose bytes are left zero (a hole in a sparse file): callers fill it
     * later, e.g. by mapping the written file, so huge outputs need not sit in memory.
     */
    public GgufWriter reserveTensor(String name, DType dtype, long... shape) {
        return add(name, GgmlType.of(dtype), shape, null);
    }

    private GgufWriter add(String name, GgmlType type, long[] shape, MemorySegment data) {
        Objects.requireNonNull(name, "name");
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is " + nameBytes + " bytes; GGUF readers accept at most "
                    + MAX_NAME_BYTES);
        }
        if (tensors.containsKey(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        if (shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has rank " + shape.length + "; GGUF allows at most " + GgufFile.MAX_DIMS);
        }
        long[] ne = new long[shape.length];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            ne[i] = shape[shape.length - 1 - i];
            numel = Math.multiplyExact(numel, shape[i]);
        }
        if ((shape.length == 0 && type.blockSize() != 1) || (shape.length > 0 && ne[0] % type.blockSize() != 0)) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " needs its last dimension to be a multiple of "
                    + type.blockSize() + ", got shape " + Arrays.toString(shape));
        }
        long byteSize = Math.multiplyExact(numel / type.blockSize(), (long) type.blockBytes());
        if (data != null && data.byteSize() != byteSize) {
            throw new IllegalArgumentException("tensor '" + name + "' (" + type + " " + Arrays.toString(shape) + ") needs "
                    + byteSize + " bytes, got " + data.byteSize());
        }
        tensors.put(name, new PendingTensor(name, type, ne, byteSize, data));
        return this;
    }

    /** Writes the file, replacing any existing one. */
    public Layout write(Path path) throws IOException {
        int alignment = metadata.containsKey(GgufFile.ALIGNMENT_KEY)
                ? (int) metadata.get(GgufFile.ALIGNMENT_KEY).asLong() : GgufFile.DEFAULT_ALIGNMENT;
        LittleEndianOut out = new LittleEndianOut();
        out.u32(GgufFile.MAGIC);
        out.u32(version);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            writeValue(out, e.getValue());
        }
        Map<String, Long> relative = new LinkedHashMap<>();
        long next = 0;
        for (PendingTensor t : tensors.values()) {
            relative.put(t.name, next);
            next = GgufFile.alignUp(next + t.byteSize, alignment);
        }
        for (PendingTensor t : tensors.values()) {
            out.string(t.name);
            out.u32(t.ne.length);
            for (long d : t.ne) out.u64(d);
            out.u32(t.type.id());
            out.u64(relative.get(t.name));
        }
        long dataOffset = GgufFile.alignUp(out.size(), alignment);
        long fileSize = dataOffset + next;
        Map<String, Long> absolute = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, ByteBuffer.wrap(out.bytes()), 0);
            for (PendingTensor t : tensors.values()) {
                long at = dataOffset + relative.get(t.name);
                absolute.put(t.name, at);
                if (t.data != null && t.byteSize > 0) writeSegment(ch, t.data, at);
            }
            // Padding (and reserved tensors) are zeros: extending the file provides them.
            if (ch.size() < fileSize) writeFully(ch, ByteBuffer.allocate(1), fileSize - 1);
        }
        return new Layout(dataOffset, absolute, fileSize);
    }

    private static void writeValue(LittleEndianOut out, GgufValue v) {
        Object x = v.value();
        switch (v.type()) {
            case UINT8, INT8, BOOL -> out.u8(v.type() == GgufType.BOOL ? ((Boolean) x ? 1 : 0) : (int) (long) (Long) x);
            case UINT16, INT16 -> out.u16((int) (long) (Long) x);
            case UINT32, INT32 -> out.u32((int) (long) (Long) x);
            case UINT64, INT64 -> out.u64((Long) x);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) x));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) x));
            case STRING -> out.string((String) x);
            case ARRAY -> writeArray(out, v);
        }
    }

    private static void writeArray(LittleEndianOut out, GgufValue v) {
        out.u32(v.elementType().id());
        out.u64(v.length());
        Object a = v.value();
        switch (v.elementType()) {
            case UINT8, INT8 -> out.raw((byte[]) a);
            case UINT16, INT16 -> { for (short s : (short[]) a) out.u16(s); }
            case UINT32, INT32 -> { for (int i : (int[]) a) out.u32(i); }
            case UINT64, INT64 -> { for (long l : (long[]) a) out.u64(l); }
            case FLOAT32 -> { for (float f : (float[]) a) out.u32(Float.floatToRawIntBits(f)); }
            case FLOAT64 -> { for (double d : (double[]) a) out.u64(Double.doubleToRawLongBits(d)); }
            case BOOL -> { for (boolean b : (boolean[]) a) out.u8(b ? 1 : 0); }
            case STRING -> { for (String s : (String[]) a) out.string(s); }
            case ARRAY -> { for (GgufValue inner : (GgufValue[]) a) writeArray(out, inner); }
        }
    }

    static void writeSegment(FileChannel ch, MemorySegment data, long at) throws IOException {
        long chunk = 1 << 26;
        for (long off = 0; off < data.byteSize(); off += chunk) {
            long n = Math.min(chunk, data.byteSize() - off);
            writeFully(ch, data.asSlice(off, n).asByteBuffer(), at + off);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) at += ch.write(buf, at);
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class LittleEndianOut {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) { bytes.write(v); }
        void u16(int v) { scratch.clear(); scratch.putShort((short) v); bytes.write(scratch.array(), 0, 2); }
        void u32(int v) { scratch.clear(); scratch.putInt(v); bytes.write(scratch.array(), 0, 4); }
        void u64(long v) { scratch.clear(); scratch.putLong(v); bytes.write(scratch.array(), 0, 8); }
        void raw(byte[] b) { bytes.write(b, 0, b.length); }
        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            raw(b);
        }
        long size() { return bytes.size(); }
        byte[] bytes() { return bytes.toByteArray(); }
    }

    /** Names of the tensors added so far, in write order. */
    public List<String> tensorNames() { return new ArrayList<>(tensors.keySet()); }
}

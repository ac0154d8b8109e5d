package dev.jllm.formats.gguf;

import dev.jllm.formats.ByteCursor;
import dev.jllm.formats.MappedFile;
import dev.jllm.formats.ModelFormatException;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3, little-endian), memory-mapped: metadata and tensor infos
 * are parsed when opened; tensors are zero-copy views over the mapping.
 *
 * <p>Every length and count is checked against the bytes left before anything is allocated,
 * so a corrupt file fails with a {@link GgufFormatException} naming the offset, not with an
 * OutOfMemoryError.
 */
public final class GgufFile implements WeightFile {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml tensors have at most four dimensions (GGML_MAX_DIMS). */
    public static final int MAX_DIMS = 4;
    /** Arrays nest at most this deep; deeper is treated as corruption (and would overflow the stack). */
    static final int MAX_NESTING = 64;

    private final MappedFile mapped;
    private final int version;
    private final int alignment;
    private final long dataOffset;
    private final Map<String, GgufValue> typedMetadata;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensorInfo> infos;

    private GgufFile(MappedFile mapped, int version, int alignment, long dataOffset,
                     Map<String, GgufValue> typedMetadata, Map<String, GgufTensorInfo> infos) {
        this.mapped = mapped;
        this.version = version;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.typedMetadata = Collections.unmodifiableMap(typedMetadata);
        Map<String, Object> plain = new LinkedHashMap<>();
        typedMetadata.forEach((k, v) -> plain.put(k, v.toJava()));
        this.metadata = Collections.unmodifiableMap(plain);
        this.infos = Collections.unmodifiableMap(infos);
    }

    /** Maps and parses {@code path}; the caller closes the result. */
    public static GgufFile open(Path path) throws IOException {
        MappedFile mapped = MappedFile.open(path);
        try {
            return parse(mapped);
        } catch (IOException | RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private static GgufFile parse(MappedFile mapped) throws ModelFormatException {
        Path path = mapped.path();
        ByteCursor in = new ByteCursor(mapped.segment(), path, GgufFormatException::new);
        if (in.size() < 4) throw new GgufFormatException(path, 0, "file of " + in.size() + " bytes is too short for the GGUF magic");
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(path, 0, String.format("expected magic \"GGUF\" (47 47 55 46), found %02x %02x %02x %02x",
                    magic & 0xff, (magic >>> 8) & 0xff, (magic >>> 16) & 0xff, (magic >>> 24) & 0xff));
        }
        int version = in.i32("version");
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian GGUF; jllm reads little-endian files only)" : version == 1 ? " (GGUF v1 predates 64-bit counts; re-convert the model)" : "";
            throw new GgufFormatException(path, 4, "unsupported GGUF version " + Integer.toUnsignedString(version)
                    + ", expected 2 or 3" + hint);
        }
        long tensorCount = in.i64("tensor count");
        long kvCount = in.i64("metadata count");
        // Smallest encodings: a tensor info is >= 24 bytes, a key/value pair >= 13.
        if (tensorCount < 0 || tensorCount > in.remaining() / 24) {
            throw new GgufFormatException(path, 8, "tensor count " + Long.toUnsignedString(tensorCount)
                    + " cannot fit in the " + in.remaining() + " bytes left");
        }
        if (kvCount < 0 || kvCount > in.remaining() / 13) {
            throw new GgufFormatException(path, 16, "metadata count " + Long.toUnsignedString(kvCount)
                    + " cannot fit in the " + in.remaining() + " bytes left");
        }

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.position();
            String key = readString(in, "metadata key #" + i);
            long typeAt = in.position();
            GgufType type = readType(in, "type of metadata '" + key + "'");
            GgufValue value = readValue(in, type, key, 0);
            if (kv.put(key, value) != null) throw in.error(at, "duplicate metadata key '" + key + "'");
            if (key.equals(ALIGNMENT_KEY) && type != GgufType.UINT32) {
                throw in.error(typeAt, ALIGNMENT_KEY + " must be UINT32, found " + type);
            }
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = kv.get(ALIGNMENT_KEY);
        if (a != null) {
            long v = a.asLong();
            if (v == 0 || Long.bitCount(v) != 1) {
                throw new GgufFormatException(path, -1, ALIGNMENT_KEY + " must be a power of two, found " + v);
            }
            alignment = (int) v;
        }

        List<GgufTensorInfo> list = new ArrayList<>((int) tensorCount);
        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long at = in.position();
            GgufTensorInfo info = readTensorInfo(in, i, alignment);
            if (infos.put(info.name(), info) != null) throw in.error(at, "duplicate tensor name '" + info.name() + "'");
            list.add(info);
        }
        long dataOffset = alignUp(in.position(), alignment);
        long dataBytes = in.size() - dataOffset;
        if (tensorCount > 0 && dataBytes < 0) {
            throw in.error(in.position(), "file ends before the data section (expected at byte " + dataOffset + ")");
        }
        checkDataRanges(in, list, dataOffset, dataBytes);
        return new GgufFile(mapped, version, alignment, dataOffset, kv, infos);
    }

    private static GgufTensorInfo readTensorInfo(ByteCursor in, long index, int alignment) throws ModelFormatException {
        String name = readString(in, "name of tensor #" + index);
        long dimsAt = in.position();
        int nDims = in.i32("dimension count of tensor '" + name + "'");
        if (nDims < 0 || nDims > MAX_DIMS) {
            throw in.error(dimsAt, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                    + " dimensions, expected 0.." + MAX_DIMS);
        }
        long[] ne = new long[nDims];
        long numel = 1;
        for (int d = 0; d < nDims; d++) {
            long at = in.position();
            ne[d] = in.i64("dimension " + d + " of tensor '" + name + "'");
            if (ne[d] < 0) throw in.error(at, "tensor '" + name + "' dimension " + d + " is " + Long.toUnsignedString(ne[d]) + ", too large");
            try {
                numel = Math.multiplyExact(numel, ne[d]);
            } catch (ArithmeticException e) {
                throw in.error(at, "tensor '" + name + "' dimensions " + Arrays.toString(Arrays.copyOf(ne, d + 1))
                        + " overflow a 64-bit element count");
            }
        }
        long typeAt = in.position();
        int typeId = in.i32("type of tensor '" + name + "'");
        GgmlType type = GgmlType.fromId(typeId);
        if (type == null) throw in.error(typeAt, "tensor '" + name + "' has unknown ggml type " + Integer.toUnsignedString(typeId));
        if (nDims > 0 && ne[0] % type.blockSize() != 0) {
            throw in.error(dimsAt, "tensor '" + name + "' of type " + type + " has ne[0] = " + ne[0]
                    + ", not a multiple of its block size " + type.blockSize());
        }
        if (nDims == 0 && type.blockSize() != 1) {
            throw in.error(dimsAt, "tensor '" + name + "' of block type " + type + " has no dimensions");
        }
        long byteSize;
        try {
            byteSize = Math.multiplyExact(numel / type.blockSize(), (long) type.blockBytes());
        } catch (ArithmeticException e) {
            throw in.error(dimsAt, "tensor '" + name + "' byte size overflows 64 bits");
        }
        long offAt = in.position();
        long offset = in.i64("data offset of tensor '" + name + "'");
        if (offset < 0 || offset % alignment != 0) {
            throw in.error(offAt, "tensor '" + name + "' data offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        return new GgufTensorInfo(name, type, ne, offset, byteSize);
    }

    private static void checkDataRanges(ByteCursor in, List<GgufTensorInfo> list, long dataOffset, long dataBytes)
            throws ModelFormatException {
        List<GgufTensorInfo> byOffset = new ArrayList<>(list);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo prev = null;
        for (GgufTensorInfo t : byOffset) {
            if (t.offset() > dataBytes || t.byteSize() > dataBytes - t.offset()) {
                throw in.error(dataOffset + t.offset(), "data of tensor '" + t.name() + "' (" + t.byteSize()
                        + " bytes at data offset " + t.offset() + ") runs past the end of the file ("
                        + Math.max(0, dataBytes) + " data bytes)");
            }
            if (prev != null && t.byteSize() > 0 && prev.offset() + prev.byteSize() > t.offset()) {
                throw in.error(dataOffset + t.offset(), "data of tensor '" + t.name() + "' overlaps tensor '"
                        + prev.name() + "' (which ends at data offset " + (prev.offset() + prev.byteSize()) + ")");
            }
            if (t.byteSize() > 0) prev = t;
        }
    }

    private static String readString(ByteCursor in, String what) throws ModelFormatException {
        long at = in.position();
        long len = in.i64("length of " + what);
        if (len < 0 || len > in.remaining()) {
            throw in.error(at, what + " has length " + Long.toUnsignedString(len) + " but only "
                    + in.remaining() + " bytes are left");
        }
        return len == 0 ? "" : in.utf8(len, what); // empty strings share one object
    }

    private static GgufType readType(ByteCursor in, String what) throws ModelFormatException {
        long at = in.position();
        int id = in.i32(what);
        GgufType t = GgufType.fromId(id);
        if (t == null) throw in.error(at, what + ": unknown value type " + Integer.toUnsignedString(id) + ", expected 0..12");
        return t;
    }

    private static GgufValue readValue(ByteCursor in, GgufType type, String key, int depth) throws ModelFormatException {
        String what = "value of '" + key + "'";
        return switch (type) {
            case UINT8 -> GgufValue.uint8(in.i8(what) & 0xffL);
            case INT8 -> GgufValue.int8(in.i8(what));
            case UINT16 -> GgufValue.uint16(in.i16(what) & 0xffffL);
            case INT16 -> GgufValue.int16(in.i16(what));
            case UINT32 -> GgufValue.uint32(in.i32(what) & 0xffff_ffffL);
            case INT32 -> GgufValue.int32(in.i32(what));
            case UINT64 -> GgufValue.uint64(in.i64(what));
            case INT64 -> GgufValue.int64(in.i64(what));
            case FLOAT32 -> GgufValue.float32(in.f32(what));
            case FLOAT64 -> GgufValue.float64(in.f64(what));
            case BOOL -> GgufValue.bool(readBool(in, what));
            case STRING -> GgufValue.string(readString(in, what));
            case ARRAY -> readArray(in, key, depth);
        };
    }

    private static boolean readBool(ByteCursor in, String what) throws ModelFormatException {
        long at = in.position();
        byte b = in.i8(what);
        if (b != 0 && b != 1) throw in.error(at, what + ": a BOOL must be 0 or 1, found " + (b & 0xff));
        return b == 1;
    }

    private static GgufValue readArray(ByteCursor in, String key, int depth) throws ModelFormatException {
        long at = in.position();
        if (depth >= MAX_NESTING) throw in.error(at, "arrays in '" + key + "' nest deeper than " + MAX_NESTING);
        GgufType et = readType(in, "element type of array '" + key + "'");
        long lenAt = in.position();
        long n = in.i64("length of array '" + key + "'");
        long minBytes = switch (et) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> et.byteSize();
        };
        if (n < 0 || n > in.remaining() / minBytes || n > Integer.MAX_VALUE - 8) {
            throw in.error(lenAt, "array '" + key + "' claims " + Long.toUnsignedString(n) + " items of " + et
                    + " but only " + in.remaining() + " bytes are left");
        }
        int len = (int) n;
        String what = "item of array '" + key + "'";
        Object values = switch (et) {
            case UINT8, INT8 -> in.bytes(len, what);
            case UINT16, INT16 -> { short[] a = new short[len]; for (int i = 0; i < len; i++) a[i] = in.i16(what); yield a; }
            case UINT32, INT32 -> { int[] a = new int[len]; for (int i = 0; i < len; i++) a[i] = in.i32(what); yield a; }
            case UINT64, INT64 -> { long[] a = new long[len]; for (int i = 0; i < len; i++) a[i] = in.i64(what); yield a; }
            case FLOAT32 -> { float[] a = new float[len]; for (int i = 0; i < len; i++) a[i] = in.f32(what); yield a; }
            case FLOAT64 -> { double[] a = new double[len]; for (int i = 0; i < len; i++) a[i] = in.f64(what); yield a; }
            case BOOL -> { boolean[] a = new boolean[len]; for (int i = 0; i < len; i++) a[i] = readBool(in, what); yield a; }
            case STRING -> { String[] a = new String[len]; for (int i = 0; i < len; i++) a[i] = readString(in, what); yield a; }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[len];
                for (int i = 0; i < len; i++) a[i] = readArray(in, key + "[" + i + "]", depth + 1);
                yield a;
            }
        };
        return GgufValue.array(et, values);
    }

    static long alignUp(long x, long alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    // ---- accessors -----------------------------------------------------------------------

    public int version() { return version; }

    public int alignment() { return alignment; }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() { return dataOffset; }

    /** Metadata with exact GGUF types, in file order. */
    public Map<String, GgufValue> typedMetadata() { return typedMetadata; }

    // ---- typed metadata lookups for model loaders: a missing or mistyped key is named ----

    /** An integer value of any width (UINT64 as raw bits); throws if absent or not an integer. */
    public long integer(String key) {
        GgufValue v = require(key);
        if (!v.type().isInteger()) throw wrongType(key, v, "an integer");
        return v.asLong();
    }

    public long integer(String key, long dflt) {
        return typedMetadata.containsKey(key) ? integer(key) : dflt;
    }

    /** A FLOAT32, FLOAT64 or integer value as a double. */
    public double number(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof Float f) return f;
        if (v.value() instanceof Double d) return d;
        if (v.type().isInteger()) return v.asLong();
        throw wrongType(key, v, "a number");
    }

    public double number(String key, double dflt) {
        return typedMetadata.containsKey(key) ? number(key) : dflt;
    }

    public String string(String key) {
        GgufValue v = require(key);
        if (v.type() != GgufType.STRING) throw wrongType(key, v, "a STRING");
        return (String) v.value();
    }

    public String string(String key, String dflt) {
        return typedMetadata.containsKey(key) ? string(key) : dflt;
    }

    public boolean bool(String key, boolean dflt) {
        GgufValue v = typedMetadata.get(key);
        if (v == null) return dflt;
        if (v.type() != GgufType.BOOL) throw wrongType(key, v, "a BOOL");
        return (Boolean) v.value();
    }

    private GgufValue require(String key) {
        GgufValue v = typedMetadata.get(key);
        if (v == null) throw new IllegalArgumentException(path() + ": missing metadata key '" + key + "'");
        return v;
    }

    private IllegalArgumentException wrongType(String key, GgufValue v, String expected) {
        return new IllegalArgumentException(path() + ": metadata '" + key + "' is " + v.type()
                + (v.elementType() != null ? "<" + v.elementType() + ">" : "") + ", expected " + expected);
    }

    /** Tensor infos by name, in file order. */
    public Map<String, GgufTensorInfo> tensorInfos() { return infos; }

    @Override
    public String format() { return "gguf"; }

    @Override
    public Path path() { return mapped.path(); }

    @Override
    public Map<String, Object> metadata() { return metadata; }

    @Override
    public List<TensorEntry> entries() {
        List<TensorEntry> out = new ArrayList<>(infos.size());
        for (GgufTensorInfo t : infos.values()) {
            out.add(new TensorEntry(t.name(), t.type().name(), t.shape(), t.byteSize(), path(), dataOffset + t.offset()));
        }
        return out;
    }

    @Override
    public Tensor tensor(String name) {
        GgufTensorInfo t = infos.get(name);
        if (t == null) throw new IllegalArgumentException(path() + ": no tensor named '" + name + "'");
        DType dtype = t.type().dtype();
        if (dtype == null) {
            throw new IllegalArgumentException(path() + ": tensor '" + name + "' has ggml type " + t.type()
                    + ", which jllm cannot compute with (re-quantize it to a type jllm has, e.g. Q8_0 or Q4_K)");
        }
        return Tensor.wrap(mapped.segment().asSlice(dataOffset + t.offset(), t.byteSize()), dtype, t.shape());
    }

    /** The raw bytes of a tensor in the mapping, whatever its type (for copying files without decoding). */
    public MemorySegment tensorBytes(String name) {
        GgufTensorInfo t = infos.get(name);
        if (t == null) throw new IllegalArgumentException(path() + ": no tensor named '" + name + "'");
        return mapped.segment().asSlice(dataOffset + t.offset(), t.byteSize());
    }

    @Override
    public void close() {
        mapped.close();
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + path() + " (" + typedMetadata.size() + " metadata, " + infos.size() + " tensors)";
    }
}

package dev.jllm.formats.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.jllm.formats.MappedFile;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The initializer tensors (the weights) of an ONNX model, read from the mapped {@code .onnx}
 * file without copying: {@code raw_data} and packed float/double fields become views over
 * the mapping; varint fields ({@code int32_data}, {@code int64_data}) are decoded on first use;
 * external data ({@code data_location = EXTERNAL}) is mapped from the named file beside the model.
 *
 * <p>Why {@link CodedInputStream} over generated classes: only ten fields of three messages
 * matter, no protoc step is needed in the build, and walking the wire format lets the reader
 * record where each {@code raw_data} lies in the file and skip it, so a weight is never copied
 * into a ByteString on the heap.
 */
public final class OnnxInitializers implements WeightFile {
    private static final int MAX_RANK = 64;

    /** Where one data field of a TensorProto lies in the file. */
    private record Chunk(int field, int wireType, long pos, long len) {}

    /** One initializer as declared; data stays in the file. */
    private record Init(String name, OnnxDataType type, long[] shape, long byteSize, List<Chunk> chunks,
                        Map<String, String> external, boolean external_, long declaredAt) {}

    private final MappedFile mapped;
    private final Map<String, Object> metadata;
    private final Map<String, Init> inits;
    private final Map<String, MappedFile> externalFiles = new ConcurrentHashMap<>();
    private final Map<String, Tensor> decoded = new ConcurrentHashMap<>();

    private OnnxInitializers(MappedFile mapped, Map<String, Object> metadata, Map<String, Init> inits) {
        this.mapped = mapped;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.inits = Collections.unmodifiableMap(inits);
    }

    public static OnnxInitializers open(Path path) throws IOException {
        MappedFile mapped = MappedFile.open(path);
        try {
            if (mapped.size() > Integer.MAX_VALUE) {
                throw new OnnxFormatException(path, -1, "file is " + mapped.size()
                        + " bytes; an ONNX protobuf is limited to 2 GiB (larger models keep weights in external data)");
            }
            return new Parser(mapped).parse();
        } catch (IOException | RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    /** Walks ModelProto -> graph(7) -> initializer(5) and records each TensorProto. */
    private static final class Parser {
        private final MappedFile mapped;
        private final Path path;
        private final CodedInputStream in;
        private final Map<String, Object> meta = new LinkedHashMap<>();
        private final Map<String, Init> inits = new LinkedHashMap<>();

        Parser(MappedFile mapped) {
            this.mapped = mapped;
            this.path = mapped.path();
            this.in = CodedInputStream.newInstance(new SegmentInputStream(mapped.segment()), 1 << 16);
            in.setSizeLimit(Integer.MAX_VALUE);
        }

        OnnxInitializers parse() throws OnnxFormatException {
            try {
                if (mapped.size() == 0) throw error(0, "empty file");
                boolean sawGraph = false;
                int tag;
                while ((tag = in.readTag()) != 0) {
                    int field = WireFormat.getTagFieldNumber(tag);
                    switch (field) {
                        case 1 -> meta.put("ir_version", varint(tag, "ModelProto.ir_version"));
                        case 2 -> meta.put("producer_name", string(tag, "ModelProto.producer_name"));
                        case 3 -> meta.put("producer_version", string(tag, "ModelProto.producer_version"));
                        case 4 -> meta.put("domain", string(tag, "ModelProto.domain"));
                        case 5 -> meta.put("model_version", varint(tag, "ModelProto.model_version"));
                        case 7 -> { int old = enter(tag, "ModelProto.graph"); graph(); in.popLimit(old); sawGraph = true; }
                        case 8 -> { int old = enter(tag, "ModelProto.opset_import"); opset(); in.popLimit(old); }
                        case 14 -> {
                            int old = enter(tag, "ModelProto.metadata_props");
                            String[] kv = stringPair("ModelProto.metadata_props");
                            meta.put("metadata_props." + kv[0], kv[1]);
                            in.popLimit(old);
                        }
                        default -> skip(tag);
                    }
                }
                if (!sawGraph) throw error(0, "no ModelProto.graph (field 7): not an ONNX model");
                return new OnnxInitializers(mapped, meta, inits);
            } catch (InvalidProtocolBufferException e) {
                throw error(in.getTotalBytesRead(), "malformed protobuf: " + e.getMessage());
            } catch (IOException e) {
                throw error(in.getTotalBytesRead(), "unreadable protobuf: " + e.getMessage());
            }
        }

        private void graph() throws IOException {
            int tag;
            while ((tag = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 2 -> meta.put("graph.name", string(tag, "GraphProto.name"));
                    case 5 -> {
                        long at = in.getTotalBytesRead();
                        int old = enter(tag, "GraphProto.initializer");
                        Init init = tensor(at);
                        in.popLimit(old);
                        if (inits.put(init.name(), init) != null) throw error(at, "duplicate initializer '" + init.name() + "'");
                    }
                    case 15 -> throw error(in.getTotalBytesRead(), "the graph has sparse initializers (GraphProto.sparse_initializer);"
                            + " jllm reads dense initializers only (densify them with onnx tools first)");
                    default -> skip(tag);
                }
            }
        }

        private void opset() throws IOException {
            String domain = "";
            long version = 0;
            int tag;
            while ((tag = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> domain = string(tag, "OperatorSetIdProto.domain");
                    case 2 -> version = varint(tag, "OperatorSetIdProto.version");
                    default -> skip(tag);
                }
            }
            meta.put("opset." + (domain.isEmpty() ? "ai.onnx" : domain), version);
        }

        private String[] stringPair(String what) throws IOException {
            String k = "", v = "";
            int tag;
            while ((tag = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> k = string(tag, what + ".key");
                    case 2 -> v = string(tag, what + ".value");
                    default -> skip(tag);
                }
            }
            return new String[] {k, v};
        }

        private Init tensor(long at) throws IOException {
            List<Long> dims = new ArrayList<>();
            int dataType = 0;
            String name = null;
            boolean externalLocation = false;
            Map<String, String> external = new LinkedHashMap<>();
            List<Chunk> chunks = new ArrayList<>();
            int tag;
            while ((tag = in.readTag()) != 0) {
                int field = WireFormat.getTagFieldNumber(tag);
                int wt = WireFormat.getTagWireType(tag);
                switch (field) {
                    case 1 -> {
                        if (wt == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                            int old = enter(tag, "TensorProto.dims");
                            while (in.getBytesUntilLimit() > 0) {
                                if (dims.size() == MAX_RANK) throw error(at, "initializer has more than " + MAX_RANK + " dimensions");
                                dims.add(in.readInt64());
                            }
                            in.popLimit(old);
                        } else {
                            if (dims.size() == MAX_RANK) throw error(at, "initializer has more than " + MAX_RANK + " dimensions");
                            dims.add(varint(tag, "TensorProto.dims"));
                        }
                    }
                    case 2 -> dataType = (int) varint(tag, "TensorProto.data_type");
                    case 3 -> throw error(in.getTotalBytesRead(), "initializer " + (name == null ? "" : "'" + name + "' ")
                            + "is split into segments (TensorProto.segment), which ONNX has deprecated; re-save the model");
                    case 4, 5, 7, 10, 11 -> chunks.add(dataChunk(tag, field));
                    case 6 -> chunks.add(dataChunk(tag, field));
                    case 8 -> name = string(tag, "TensorProto.name");
                    case 9 -> {
                        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, "TensorProto.raw_data");
                        long len = length("TensorProto.raw_data");
                        long pos = in.getTotalBytesRead();
                        in.skipRawBytes((int) len);
                        chunks.add(new Chunk(9, WireFormat.WIRETYPE_LENGTH_DELIMITED, pos, len));
                    }
                    case 13 -> {
                        int old = enter(tag, "TensorProto.external_data");
                        String[] kv = stringPair("TensorProto.external_data");
                        external.put(kv[0], kv[1]);
                        in.popLimit(old);
                    }
                    case 14 -> externalLocation = varint(tag, "TensorProto.data_location") == 1;
                    default -> skip(tag);
                }
            }
            if (name == null || name.isEmpty()) throw error(at, "initializer without a name");
            OnnxDataType type = OnnxDataType.fromId(dataType);
            if (type == null || type == OnnxDataType.UNDEFINED) {
                throw error(at, "initializer '" + name + "' has unknown data_type " + dataType);
            }
            long[] shape = new long[dims.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i);
                if (shape[i] < 0) throw error(at, "initializer '" + name + "' has negative dimension " + shape[i]);
                try {
                    numel = Math.multiplyExact(numel, shape[i]);
                } catch (ArithmeticException e) {
                    throw error(at, "initializer '" + name + "' dims " + dims + " overflow a 64-bit element count");
                }
            }
            long byteSize;
            try {
                byteSize = (Math.multiplyExact(numel, (long) type.bits()) + 7) / 8;
            } catch (ArithmeticException e) {
                throw error(at, "initializer '" + name + "' byte size overflows");
            }
            for (Chunk c : chunks) {
                if (c.field() == 9 && c.len() != byteSize && type.bits() > 0) {
                    throw error(c.pos(), "initializer '" + name + "' (" + type + " " + Arrays.toString(shape) + ") needs "
                            + byteSize + " bytes of raw_data, found " + c.len());
                }
            }
            if (!externalLocation && !external.isEmpty()) externalLocation = true;
            return new Init(name, type, shape, byteSize, chunks, external, externalLocation, at);
        }

        private Chunk dataChunk(int tag, int field) throws IOException {
            int wt = WireFormat.getTagWireType(tag);
            long pos;
            long len;
            if (wt == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                len = length("TensorProto field " + field);
                pos = in.getTotalBytesRead();
                in.skipRawBytes((int) len);
            } else {
                pos = in.getTotalBytesRead();
                in.skipField(tag);
                len = in.getTotalBytesRead() - pos;
            }
            return new Chunk(field, wt, pos, len);
        }

        // ---- wire helpers ------------------------------------------------------------

        private int enter(int tag, String what) throws IOException {
            expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
            return in.pushLimit((int) length(what));
        }

        private long length(String what) throws IOException {
            long at = in.getTotalBytesRead();
            int len = in.readRawVarint32();
            long left = Math.min(mapped.size() - in.getTotalBytesRead(), in.getBytesUntilLimit() < 0 ? Long.MAX_VALUE : in.getBytesUntilLimit());
            if (len < 0 || len > left) {
                throw error(at, what + " has length " + Integer.toUnsignedString(len) + " but only " + left + " bytes are left");
            }
            return len;
        }

        private long varint(int tag, String what) throws IOException {
            expect(tag, WireFormat.WIRETYPE_VARINT, what);
            return in.readRawVarint64();
        }

        private String string(int tag, String what) throws IOException {
            expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
            int len = (int) length(what);
            return new String(in.readRawBytes(len), java.nio.charset.StandardCharsets.UTF_8);
        }

        private void expect(int tag, int wireType, String what) throws OnnxFormatException {
            if (WireFormat.getTagWireType(tag) != wireType) {
                throw error(in.getTotalBytesRead(), what + " has wire type " + WireFormat.getTagWireType(tag)
                        + ", expected " + wireType);
            }
        }

        private void skip(int tag) throws IOException {
            if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                in.skipRawBytes((int) length("field " + WireFormat.getTagFieldNumber(tag)));
            } else if (!in.skipField(tag)) {
                throw error(in.getTotalBytesRead(), "unexpected end-group tag");
            }
        }

        private OnnxFormatException error(long at, String message) {
            return new OnnxFormatException(path, at, message);
        }
    }

    // ---- accessors -------------------------------------------------------------------------

    @Override
    public String format() { return "onnx"; }

    @Override
    public Path path() { return mapped.path(); }

    @Override
    public Map<String, Object> metadata() { return metadata; }

    @Override
    public List<TensorEntry> entries() {
        List<TensorEntry> out = new ArrayList<>(inits.size());
        for (Init i : inits.values()) {
            Path file = path();
            long at = i.chunks().isEmpty() ? -1 : i.chunks().getFirst().pos();
            if (i.external_()) {
                file = path().toAbsolutePath().getParent().resolve(i.external().getOrDefault("location", "?"));
                at = parseLong(i.external().get("offset"), 0);
            }
            out.add(new TensorEntry(i.name(), i.type().name(), i.shape(), i.byteSize(), file, at));
        }
        return out;
    }

    @Override
    public Tensor tensor(String name) {
        Init i = inits.get(name);
        if (i == null) throw new IllegalArgumentException(path() + ": no initializer named '" + name + "'");
        DType d = i.type().dtype();
        if (d == null) {
            throw new IllegalArgumentException(path() + ": initializer '" + name + "' has data type " + i.type()
                    + ", which jllm does not support");
        }
        Tensor cached = decoded.get(name);
        if (cached != null) return cached;
        try {
            Tensor t = load(i, d);
            decoded.put(name, t);
            return t;
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private Tensor load(Init i, DType d) throws IOException {
        if (i.external_()) return loadExternal(i, d);
        MemorySegment seg = mapped.segment();
        long n = i.byteSize() * 8 / i.type().bits();
        if (i.chunks().isEmpty()) {
            if (n == 0) return Tensor.wrap(MemorySegment.ofArray(new byte[0]), d, i.shape());
            throw new OnnxFormatException(path(), i.declaredAt(), "initializer '" + i.name() + "' has no data");
        }
        Chunk first = i.chunks().getFirst();
        boolean fixedWidth = first.field() == 9 || first.field() == 4 || first.field() == 10;
        if (i.chunks().size() == 1 && fixedWidth && first.wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            if (first.field() != 9 && first.len() != i.byteSize()) {
                throw new OnnxFormatException(path(), first.pos(), "initializer '" + i.name() + "' needs " + n
                        + " values, found " + first.len() + " bytes of them");
            }
            if (first.field() == 4 && d != DType.F32 || first.field() == 10 && d != DType.F64) {
                throw new OnnxFormatException(path(), first.pos(), "initializer '" + i.name() + "' of type " + i.type()
                        + " keeps its values in TensorProto field " + first.field() + ", which is for another type");
            }
            return Tensor.wrap(seg.asSlice(first.pos(), first.len()), d, i.shape());
        }
        return decodeTyped(i, d, n);
    }

    /** Values spread over varint or unpacked fields: decode them into native memory. */
    private Tensor decodeTyped(Init i, DType d, long n) throws IOException {
        long available = 0;
        for (Chunk c : i.chunks()) available += c.len();
        if (n > available) { // every value takes at least one byte: refuse before allocating
            throw new OnnxFormatException(path(), i.declaredAt(), "initializer '" + i.name() + "' dims " + Arrays.toString(i.shape())
                    + " need " + n + " values, but its data fields hold only " + available + " bytes");
        }
        MemorySegment out = Arena.ofAuto().allocate(Math.max(1, i.byteSize()), 8);
        long count = 0;
        for (Chunk c : i.chunks()) {
            if (!fieldHolds(c, d)) {
                throw new OnnxFormatException(path(), c.pos(), "initializer '" + i.name() + "' of type " + i.type()
                        + " has its values in TensorProto field " + c.field() + " (wire type " + c.wireType()
                        + "), which cannot hold that type");
            }
            CodedInputStream in = CodedInputStream.newInstance(new SegmentInputStream(mapped.segment().asSlice(c.pos(), c.len())), 4096);
            while (!in.isAtEnd()) {
                if (count >= n) {
                    throw new OnnxFormatException(path(), c.pos(), "initializer '" + i.name() + "' has more than the " + n + " values its dims allow");
                }
                try {
                    storeValue(out, d, count++, c.field(), in);
                } catch (InvalidProtocolBufferException e) {
                    throw new OnnxFormatException(path(), c.pos(), "initializer '" + i.name() + "': " + e.getMessage(), e);
                }
            }
        }
        if (count != n) {
            throw new OnnxFormatException(path(), i.declaredAt(), "initializer '" + i.name() + "' has " + count
                    + " values, its dims " + Arrays.toString(i.shape()) + " need " + n);
        }
        return Tensor.wrap(out.asSlice(0, i.byteSize()), d, i.shape());
    }

    /** Which TensorProto data field may carry which type, and with which wire types (packed or not). */
    private static boolean fieldHolds(Chunk c, DType d) {
        boolean packed = c.wireType() == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        return switch (c.field()) {
            case 4 -> d == DType.F32 && (packed || c.wireType() == WireFormat.WIRETYPE_FIXED32);
            case 10 -> d == DType.F64 && (packed || c.wireType() == WireFormat.WIRETYPE_FIXED64);
            case 7 -> d == DType.I64 && (packed || c.wireType() == WireFormat.WIRETYPE_VARINT);
            case 5 -> (d == DType.I32 || d == DType.I16 || d == DType.F16 || d == DType.BF16 || d == DType.I8
                    || d == DType.U8 || d == DType.BOOL) && (packed || c.wireType() == WireFormat.WIRETYPE_VARINT);
            default -> false;
        };
    }

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private void storeValue(MemorySegment out, DType d, long idx, int field, CodedInputStream in) throws IOException {
        switch (field) {
            case 4 -> out.setAtIndex(I32, idx, Float.floatToRawIntBits(in.readFloat()));
            case 10 -> out.setAtIndex(I64, idx, Double.doubleToRawLongBits(in.readDouble()));
            case 7 -> out.setAtIndex(I64, idx, in.readRawVarint64());
            case 5 -> {
                // int32_data carries INT32 and every narrower type, one value per varint.
                int v = in.readInt32();
                switch (d) {
                    case I32 -> out.setAtIndex(I32, idx, v);
                    case I16, F16, BF16 -> out.setAtIndex(I16, idx, (short) v);
                    case I8, U8, BOOL -> out.set(ValueLayout.JAVA_BYTE, idx, (byte) v);
                    default -> throw new IOException("int32_data cannot hold " + d);
                }
            }
            default -> throw new IOException("unexpected data field " + field);
        }
    }

    private Tensor loadExternal(Init i, DType d) throws IOException {
        String location = i.external().get("location");
        if (location == null || location.isEmpty()) {
            throw new OnnxFormatException(path(), i.declaredAt(), "initializer '" + i.name() + "' is external but names no location");
        }
        Path dir = path().toAbsolutePath().getParent();
        Path file = dir.resolve(location).normalize();
        if (!file.startsWith(dir.normalize())) {
            throw new OnnxFormatException(path(), i.declaredAt(), "initializer '" + i.name() + "' external location '" + location
                    + "' points outside the model's directory");
        }
        MappedFile ext = externalFiles.get(location);
        if (ext == null) {
            synchronized (externalFiles) {
                ext = externalFiles.get(location);
                if (ext == null) {
                    ext = MappedFile.open(file);
                    externalFiles.put(location, ext);
                }
            }
        }
        long offset = parseLong(i.external().get("offset"), 0);
        long length = parseLong(i.external().get("length"), i.byteSize());
        if (offset < 0 || length != i.byteSize() || offset > ext.size() || length > ext.size() - offset) {
            throw new OnnxFormatException(file, offset, "initializer '" + i.name() + "' needs " + i.byteSize() + " bytes at offset "
                    + offset + " (length " + length + ") but the file has " + ext.size());
        }
        return Tensor.wrap(ext.segment().asSlice(offset, length), d, i.shape());
    }

    private static long parseLong(String s, long dflt) {
        if (s == null) return dflt;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        externalFiles.values().forEach(MappedFile::close);
        mapped.close();
    }

    @Override
    public String toString() { return "ONNX " + path() + " (" + inits.size() + " initializers)"; }
}

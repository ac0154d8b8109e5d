package dev.jllm.formats.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jllm.formats.ByteCursor;
import dev.jllm.formats.MappedFile;
import dev.jllm.formats.ModelFormatException;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus an optional string map
 * {@code __metadata__}), then the tensor bytes. Tensors are zero-copy views over the mapping.
 */
public final class SafetensorsFile implements WeightFile {
    /** The reference implementation refuses headers above 100 MB; so does jllm. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    public static final String METADATA_KEY = "__metadata__";

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** A tensor as the header declares it; offsets are relative to the data section. */
    public record Info(String name, String dtypeName, SafetensorsDType dtype, long[] shape, long begin, long end) {
        public long byteSize() { return end - begin; }
    }

    private final MappedFile mapped;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final Map<String, Info> infos;

    private SafetensorsFile(MappedFile mapped, long dataOffset, Map<String, String> metadata, Map<String, Info> infos) {
        this.mapped = mapped;
        this.dataOffset = dataOffset;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.infos = Collections.unmodifiableMap(infos);
    }

    public static SafetensorsFile open(Path path) throws IOException {
        MappedFile mapped = MappedFile.open(path);
        try {
            return parse(mapped);
        } catch (IOException | RuntimeException e) {
            mapped.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(MappedFile mapped) throws ModelFormatException {
        Path path = mapped.path();
        ByteCursor in = new ByteCursor(mapped.segment(), path, SafetensorsFormatException::new);
        if (in.size() < 8) throw in.error(0, "file of " + in.size() + " bytes is too short for the 8-byte header length");
        long n = in.i64("header length");
        if (n < 0 || n > in.size() - 8) {
            throw in.error(0, "header length " + Long.toUnsignedString(n) + " is larger than the file (" + (in.size() - 8)
                    + " bytes follow it)");
        }
        if (n > MAX_HEADER_BYTES) throw in.error(0, "header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        if (n < 2) throw in.error(0, "header length " + n + " cannot hold a JSON object");
        byte[] header = in.bytes(n, "header");
        if (header[0] != '{') throw in.error(8, "header must start with '{', found byte 0x" + Integer.toHexString(header[0] & 0xff));
        JsonNode root = parseJson(path, header, 8);
        if (!root.isObject()) throw in.error(8, "header is not a JSON object");
        long dataOffset = 8 + n;
        long dataBytes = in.size() - dataOffset;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Info> list = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                readMetadata(in, e.getValue(), metadata);
            } else {
                list.add(readInfo(in, e.getKey(), e.getValue(), dataBytes));
            }
        }
        list.sort(Comparator.comparingLong(Info::begin).thenComparingLong(Info::end));
        Info prev = null;
        for (Info t : list) {
            if (prev != null && t.begin() < prev.end() && t.byteSize() > 0) {
                throw in.error(dataOffset + t.begin(), "tensor '" + t.name() + "' data " + range(t) + " overlaps tensor '"
                        + prev.name() + "' " + range(prev));
            }
            if (t.byteSize() > 0) prev = t;
        }
        Map<String, Info> infos = new LinkedHashMap<>();
        for (Info t : list) infos.put(t.name(), t);
        return new SafetensorsFile(mapped, dataOffset, metadata, infos);
    }

    static JsonNode parseJson(Path path, byte[] json, long baseOffset) throws SafetensorsFormatException {
        try (JsonParser p = JSON.createParser(json)) {
            JsonNode node = JSON.readTree(p);
            if (p.nextToken() != null) {
                throw new SafetensorsFormatException(path, baseOffset + p.currentLocation().getByteOffset(),
                        "unexpected content after the JSON header");
            }
            if (node == null) throw new SafetensorsFormatException(path, baseOffset, "empty JSON");
            return node;
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null || e.getLocation().getByteOffset() < 0 ? baseOffset : baseOffset + e.getLocation().getByteOffset();
            throw new SafetensorsFormatException(path, at, "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsFormatException(path, baseOffset, "unreadable JSON: " + e.getMessage(), e);
        }
    }

    private static void readMetadata(ByteCursor in, JsonNode node, Map<String, String> out) throws ModelFormatException {
        if (!node.isObject()) throw in.error(8, METADATA_KEY + " must be an object of strings, found " + node.getNodeType());
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw in.error(8, METADATA_KEY + "." + m.getKey() + " must be a string, found " + m.getValue().getNodeType());
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Info readInfo(ByteCursor in, String name, JsonNode node, long dataBytes) throws ModelFormatException {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw in.error(8, where + " must be an object, found " + node.getNodeType());
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) throw in.error(8, where + " needs a string \"dtype\"");
        SafetensorsDType dtype = SafetensorsDType.fromName(dt.textValue());
        if (dtype == null) {
            throw in.error(8, where + " has unknown dtype \"" + dt.textValue() + "\", expected one of " + Arrays.toString(SafetensorsDType.values()));
        }
        JsonNode sh = node.get("shape");
        if (sh == null || !sh.isArray()) throw in.error(8, where + " needs an array \"shape\"");
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw in.error(8, where + " shape[" + i + "] must be a non-negative integer, found " + d);
            }
            shape[i] = d.longValue();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw in.error(8, where + " shape " + sh + " overflows a 64-bit element count");
            }
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) throw in.error(8, where + " needs \"data_offsets\": [begin, end]");
        for (JsonNode o : off) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.longValue() < 0) {
                throw in.error(8, where + " data_offsets must be non-negative integers, found " + off);
            }
        }
        long begin = off.get(0).longValue(), end = off.get(1).longValue();
        if (end < begin) throw in.error(8, where + " data_offsets " + off + " end before they begin");
        long need;
        try {
            need = dtype.byteSize(numel);
        } catch (ArithmeticException e) {
            throw in.error(8, where + " of shape " + sh + " overflows a 64-bit byte size");
        }
        if (need < 0) throw in.error(8, where + ": " + numel + " elements of " + dtype + " do not fill whole bytes");
        if (end - begin != need) {
            throw in.error(8, where + " (" + dtype + " " + sh + ") needs " + need + " bytes but data_offsets " + off
                    + " span " + (end - begin));
        }
        if (end > dataBytes) {
            throw in.error(8, where + " data_offsets " + off + " run past the end of the data (" + dataBytes + " bytes)");
        }
        return new Info(name, dt.textValue(), dtype, shape, begin, end);
    }

    private static String range(Info t) { return "[" + t.begin() + ", " + t.end() + ")"; }

    // ---- accessors -----------------------------------------------------------------------

    /** Absolute file offset where tensor data starts (8 + header length). */
    public long dataOffset() { return dataOffset; }

    /** The {@code __metadata__} strings. */
    public Map<String, String> stringMetadata() { return metadata; }

    /** Tensors as the header declares them, ordered by data offset. */
    public Map<String, Info> infos() { return infos; }

    @Override
    public String format() { return "safetensors"; }

    @Override
    public Path path() { return mapped.path(); }

    @Override
    public Map<String, Object> metadata() { return Collections.unmodifiableMap(new LinkedHashMap<>(metadata)); }

    @Override
    public List<TensorEntry> entries() {
        List<TensorEntry> out = new ArrayList<>(infos.size());
        for (Info t : infos.values()) out.add(new TensorEntry(t.name(), t.dtypeName(), t.shape(), t.byteSize(), path(), dataOffset + t.begin()));
        return out;
    }

    @Override
    public Tensor tensor(String name) {
        Info t = infos.get(name);
        if (t == null) throw new IllegalArgumentException(path() + ": no tensor named '" + name + "'");
        DType d = t.dtype().dtype();
        if (d == null) {
            throw new IllegalArgumentException(path() + ": tensor '" + name + "' has dtype " + t.dtypeName()
                    + ", which jllm does not support (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
        return Tensor.wrap(mapped.segment().asSlice(dataOffset + t.begin(), t.byteSize()), d, t.shape());
    }

    public boolean contains(String name) { return infos.containsKey(name); }

    @Override
    public void close() {
        mapped.close();
    }

    @Override
    public String toString() { return "safetensors " + path() + " (" + infos.size() + " tensors)"; }
}

package dev.jllm.formats.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes safetensors files as the reference implementation does: tensors ordered by element
 * size (largest first) then name, so every tensor is naturally aligned; the JSON header padded
 * with spaces to a multiple of 8 bytes; {@code __metadata__} first. Also writes sharded
 * checkpoints with a {@code model.safetensors.index.json}.
 */
public final class SafetensorsWriter {
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private record Pending(String name, SafetensorsDType dtype, long[] shape, MemorySegment data) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();

    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Adds a tensor (any plain dtype); its bytes are copied out when written. */
    public SafetensorsWriter add(String name, Tensor t) {
        SafetensorsDType d = SafetensorsDType.of(t.dtype());
        if (t.isHeap()) {
            float[] f = t.toFloatArray();
            MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, 4L * f.length));
            MemorySegment.copy(f, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, f.length);
            return add(name, d, t.shape(), seg.asSlice(0, 4L * f.length));
        }
        Tensor c = t.contiguous();
        return add(name, d, t.shape(), c.segment().asSlice(c.byteOffset(), c.byteSize()));
    }

    /** Adds raw little-endian bytes of a jllm dtype. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment bytes) {
        return add(name, SafetensorsDType.of(dtype), shape, bytes);
    }

    /** Adds raw little-endian bytes of any safetensors dtype. */
    public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, MemorySegment bytes) {
        Objects.requireNonNull(name, "name");
        if (name.equals(SafetensorsFile.METADATA_KEY)) throw new IllegalArgumentException("'" + name + "' is reserved");
        if (tensors.containsKey(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        long numel = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            numel = Math.multiplyExact(numel, s);
        }
        long need = dtype.byteSize(numel);
        if (bytes.byteSize() != need) {
            throw new IllegalArgumentException("tensor '" + name + "' (" + dtype + " " + Arrays.toString(shape) + ") needs "
                    + need + " bytes, got " + bytes.byteSize());
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), bytes));
        return this;
    }

    /** Writes one file holding every tensor. */
    public void write(Path path) throws IOException {
        writeFile(path, ordered(new ArrayList<>(tensors.values())), metadata);
    }

    /**
     * Writes shards named {@code model-00001-of-0000N.safetensors} of at most
     * {@code maxShardBytes} of tensor data each (a larger tensor gets a shard of its own), plus
     * the index mapping every tensor to its shard. Returns the index path.
     */
    public Path writeSharded(Path dir, long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive");
        Files.createDirectories(dir);
        List<List<Pending>> shards = new ArrayList<>();
        List<Pending> current = new ArrayList<>();
        long currentBytes = 0, total = 0;
        for (Pending p : tensors.values()) {
            long b = p.data.byteSize();
            if (!current.isEmpty() && currentBytes + b > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(p);
            currentBytes += b;
            total += b;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        ObjectNode weightMap = SafetensorsFile.JSON.createObjectNode();
        for (int i = 0; i < shards.size(); i++) {
            String file = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            writeFile(dir.resolve(file), ordered(shards.get(i)), metadata);
            for (Pending p : shards.get(i)) weightMap.put(p.name, file);
        }
        ObjectNode index = SafetensorsFile.JSON.createObjectNode();
        ObjectNode meta = index.putObject("metadata");
        meta.put("total_size", total);
        metadata.forEach(meta::put);
        index.set("weight_map", weightMap);
        Path indexPath = dir.resolve(INDEX_FILE);
        Files.writeString(indexPath, SafetensorsFile.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
        return indexPath;
    }

    private static List<Pending> ordered(List<Pending> list) {
        list.sort(Comparator.comparingInt((Pending p) -> -p.dtype.bits()).thenComparing(Pending::name));
        return list;
    }

    private static void writeFile(Path path, List<Pending> list, Map<String, String> metadata) throws IOException {
        ObjectNode header = SafetensorsFile.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Pending p : list) {
            ObjectNode t = header.putObject(p.name);
            t.put("dtype", p.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long s : p.shape) shape.add(s);
            ArrayNode off = t.putArray("data_offsets");
            off.add(offset);
            offset += p.data.byteSize();
            off.add(offset);
        }
        byte[] json = SafetensorsFile.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long at = 0;
            while (head.hasRemaining()) at += ch.write(head, at);
            for (Pending p : list) {
                long chunk = 1 << 26;
                for (long o = 0; o < p.data.byteSize(); o += chunk) {
                    ByteBuffer b = p.data.asSlice(o, Math.min(chunk, p.data.byteSize() - o)).asByteBuffer();
                    while (b.hasRemaining()) at += ch.write(b, at);
                }
            }
        }
    }
}

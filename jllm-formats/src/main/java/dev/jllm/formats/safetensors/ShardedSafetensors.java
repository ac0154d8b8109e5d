package dev.jllm.formats.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several safetensors files seen as one: either a Hugging Face sharded checkpoint (an
 * {@code model.safetensors.index.json} whose {@code weight_map} names each tensor's shard) or
 * a plain list of files. Each shard is mapped once; a tensor name may appear in one shard only.
 */
public final class ShardedSafetensors implements WeightFile {
    private final Path path;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owner;
    private final Map<String, Object> metadata;

    private ShardedSafetensors(Path path, List<SafetensorsFile> shards, Map<String, SafetensorsFile> owner,
                               Map<String, Object> metadata) {
        this.path = path;
        this.shards = shards;
        this.owner = owner;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Opens the shards an index file names (relative to the index's directory). */
    public static ShardedSafetensors openIndex(Path index) throws IOException {
        byte[] bytes = Files.readAllBytes(index);
        JsonNode root = SafetensorsFile.parseJson(index, bytes, 0);
        if (!root.isObject()) throw new SafetensorsFormatException(index, 0, "index is not a JSON object");
        JsonNode wm = root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new SafetensorsFormatException(index, -1, "index has no \"weight_map\" object");
        Map<String, Object> meta = new LinkedHashMap<>();
        JsonNode m = root.get("metadata");
        if (m != null && m.isObject()) {
            for (Map.Entry<String, JsonNode> e : m.properties()) meta.put(e.getKey(), plain(e.getValue()));
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        Path dir = index.toAbsolutePath().getParent();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(index, -1, "weight_map entry '" + e.getKey() + "' must name a file, found " + e.getValue());
            }
            String file = e.getValue().textValue();
            Path resolved = dir.resolve(file).normalize();
            if (!resolved.getParent().equals(dir.normalize()) || file.isEmpty()) {
                throw new SafetensorsFormatException(index, -1, "weight_map entry '" + e.getKey() + "' names '" + file
                        + "', which is not a file beside the index");
            }
            weightMap.put(e.getKey(), file);
            if (!files.contains(file)) files.add(file);
        }
        List<Path> paths = new ArrayList<>();
        for (String f : files) paths.add(dir.resolve(f));
        ShardedSafetensors s = open(index, paths, meta);
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            SafetensorsFile f = s.owner.get(e.getKey());
            if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                s.close();
                throw new SafetensorsFormatException(index, -1, "weight_map says tensor '" + e.getKey() + "' is in "
                        + e.getValue() + ", but that shard does not hold it");
            }
        }
        return s;
    }

    /** Opens {@code files} as one model; {@code path} is what {@link #path()} reports. */
    public static ShardedSafetensors open(Path path, List<Path> files, Map<String, Object> metadata) throws IOException {
        List<SafetensorsFile> shards = new ArrayList<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>(metadata);
        try {
            for (Path p : files) {
                SafetensorsFile f = SafetensorsFile.open(p);
                shards.add(f);
                f.stringMetadata().forEach(meta::putIfAbsent);
                for (String name : f.infos().keySet()) {
                    SafetensorsFile prev = owner.putIfAbsent(name, f);
                    if (prev != null) {
                        throw new SafetensorsFormatException(p, -1, "tensor '" + name + "' is also in " + prev.path());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            shards.forEach(SafetensorsFile::close);
            throw e;
        }
        return new ShardedSafetensors(path, shards, owner, meta);
    }

    private static Object plain(JsonNode n) {
        if (n.isTextual()) return n.textValue();
        if (n.isIntegralNumber()) return n.longValue();
        if (n.isNumber()) return n.doubleValue();
        if (n.isBoolean()) return n.booleanValue();
        return n.toString();
    }

    public List<SafetensorsFile> shards() { return Collections.unmodifiableList(shards); }

    @Override
    public String format() { return "safetensors"; }

    @Override
    public Path path() { return path; }

    @Override
    public Map<String, Object> metadata() { return metadata; }

    @Override
    public List<TensorEntry> entries() {
        List<TensorEntry> out = new ArrayList<>();
        for (SafetensorsFile f : shards) out.addAll(f.entries());
        return out;
    }

    @Override
    public Tensor tensor(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) throw new IllegalArgumentException(path + ": no tensor named '" + name + "'");
        return f.tensor(name);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() { return "safetensors " + path + " (" + shards.size() + " shards, " + owner.size() + " tensors)"; }
}

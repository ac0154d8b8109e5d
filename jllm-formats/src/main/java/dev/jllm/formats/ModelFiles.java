package dev.jllm.formats;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.formats.onnx.OnnxInitializers;
import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.formats.safetensors.SafetensorsWriter;
import dev.jllm.formats.safetensors.ShardedSafetensors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Opens any model file jllm reads, choosing the format from the file's first bytes or name. */
public final class ModelFiles {
    private ModelFiles() {}

    /**
     * Opens {@code path}: a .gguf, .safetensors or .onnx file, a
     * {@code model.safetensors.index.json}, or a directory holding one of those (a Hugging Face
     * checkpoint directory: config.json plus *.safetensors, sharded or not).
     */
    public static WeightFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) return openDirectory(path);
        if (!Files.isRegularFile(path)) throw new java.nio.file.NoSuchFileException(path.toString(), null, "no such model file");
        return switch (detect(path)) {
            case "gguf" -> GgufFile.open(path);
            case "safetensors" -> SafetensorsFile.open(path);
            case "safetensors-index" -> ShardedSafetensors.openIndex(path);
            case "onnx" -> OnnxInitializers.open(path);
            default -> throw new ModelFormatException(path, 0, "not a GGUF, safetensors or ONNX file (unrecognized first bytes and name)");
        };
    }

    /** "gguf", "safetensors", "safetensors-index", "onnx" or "unknown", by magic bytes first, then name. */
    public static String detect(Path file) throws IOException {
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        String name = file.getFileName().toString().toLowerCase();
        if (n >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return "gguf";
        if (name.endsWith(".index.json")) return "safetensors-index";
        if (n >= 9) {
            long len = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (head[8] == '{' && len > 0 && len <= Files.size(file) - 8) return "safetensors";
        }
        if (name.endsWith(".safetensors")) return "safetensors";
        if (name.endsWith(".gguf")) return "gguf";
        // An ONNX ModelProto starts with ir_version (field 1, varint): tag byte 0x08.
        if (name.endsWith(".onnx") || (n >= 1 && head[0] == 0x08)) return "onnx";
        return "unknown";
    }

    private static WeightFile openDirectory(Path dir) throws IOException {
        Path index = dir.resolve(SafetensorsWriter.INDEX_FILE);
        if (Files.isRegularFile(index)) return ShardedSafetensors.openIndex(index);
        List<Path> safetensors = new ArrayList<>();
        List<Path> others = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString().toLowerCase();
                if (!Files.isRegularFile(p)) continue;
                if (n.endsWith(".safetensors")) safetensors.add(p);
                else if (n.endsWith(".gguf") || n.endsWith(".onnx")) others.add(p);
            }
        }
        if (safetensors.size() == 1) return SafetensorsFile.open(safetensors.getFirst());
        if (safetensors.size() > 1) return ShardedSafetensors.open(dir, safetensors, Map.of());
        if (others.size() == 1) return open(others.getFirst());
        if (others.isEmpty()) throw new ModelFormatException(dir, -1, "directory holds no .safetensors, .gguf or .onnx file");
        throw new ModelFormatException(dir, -1, "directory holds several model files " + others.stream().map(Path::getFileName).toList()
                + "; name one");
    }

    /** The {@code config.json} beside a model file or inside a model directory, or null if there is none. */
    public static HfConfig configFor(Path path) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path cfg = dir == null ? null : dir.resolve("config.json");
        return cfg != null && Files.isRegularFile(cfg) ? HfConfig.read(cfg) : null;
    }
}

package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.formats.MetadataText;
import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufType;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.hf.HfConfig;
import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.formats.safetensors.ShardedSafetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jllm inspect}: what a model file holds (format, metadata, tensor table), like gguf-dump. */
@Command(name = "inspect",
        header = "Show what a model file holds: format, metadata and tensor table.",
        mixinStandardHelpOptions = true,
        description = {
                "Show what a model file holds: its format, metadata and a table of tensors (name, dtype,",
                "row-major shape, bytes, file offset). Reads GGUF, safetensors (single, sharded via",
                "model.safetensors.index.json, or a Hugging Face model directory) and ONNX initializers.",
                "Nothing is loaded: the file is memory-mapped and only its header is parsed."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE|DIR", description = "A .gguf, .safetensors, .onnx or index.json file, or a model directory.")
    Path path;

    @Option(names = "--json", description = "Print one JSON object: {format, metadata, tensors:[{name, dtype, shape, bytes, offset}]}.")
    boolean json;

    @Option(names = "--items", paramLabel = "N", defaultValue = "6",
            description = "Array items shown before abbreviating (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--full", description = "Never abbreviate arrays (e.g. a whole vocabulary).")
    boolean full;

    @Option(names = "--no-tensors", description = "Leave out the tensor table.")
    boolean noTensors;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int max = full ? Integer.MAX_VALUE : Math.max(0, items);
        PrintWriter out = spec.commandLine().getOut();
        HfConfig config = ModelFiles.configFor(path);
        try (WeightFile f = ModelFiles.open(path)) {
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(f, config, max)));
            } else {
                printText(out, f, config, max);
            }
        }
        out.flush();
        return 0;
    }

    // ---- text ------------------------------------------------------------------------------

    private void printText(PrintWriter out, WeightFile f, HfConfig config, int max) {
        out.println("file:     " + f.path());
        out.println("format:   " + describeFormat(f));
        if (config != null) {
            out.println("config:   " + config.architecture() + " (" + config.modelType() + "): hidden " + config.hiddenSize()
                    + ", layers " + config.numHiddenLayers() + ", heads " + config.numAttentionHeads() + "/" + config.numKeyValueHeads()
                    + " (q/kv), head_dim " + config.headDim() + ", vocab " + config.vocabSize()
                    + (config.isMoe() ? ", experts " + config.moe().numExperts() + " (top " + config.moe().numExpertsPerTok() + ")" : ""));
        }
        Map<String, Object> meta = f.metadata();
        out.println();
        out.println("metadata (" + meta.size() + "):");
        int keyWidth = meta.keySet().stream().mapToInt(String::length).max().orElse(0);
        if (f instanceof GgufFile g) {
            int typeWidth = g.typedMetadata().values().stream().mapToInt(v -> typeName(v).length()).max().orElse(0);
            for (Map.Entry<String, GgufValue> e : g.typedMetadata().entrySet()) {
                out.println("  " + pad(e.getKey(), keyWidth) + "  " + pad(typeName(e.getValue()), typeWidth) + "  " + e.getValue().display(max));
            }
        } else {
            for (Map.Entry<String, Object> e : meta.entrySet()) {
                out.println("  " + pad(e.getKey(), keyWidth) + "  " + MetadataText.display(e.getValue(), max));
            }
        }
        if (noTensors) return;
        List<TensorEntry> entries = f.entries();
        long totalBytes = 0, totalParams = 0;
        for (TensorEntry e : entries) {
            totalBytes += e.byteSize();
            totalParams += e.numel();
        }
        out.println();
        out.println("tensors (" + entries.size() + ", " + String.format("%,d", totalParams) + " parameters, " + humanBytes(totalBytes) + "):");
        String[] head = {"#", "name", "dtype", "shape", "bytes", "offset"};
        String[][] rows = new String[entries.size()][];
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) w[i] = head[i].length();
        boolean manyFiles = f instanceof ShardedSafetensors;
        for (int i = 0; i < rows.length; i++) {
            TensorEntry e = entries.get(i);
            String offset = e.fileOffset() < 0 ? "-" : Long.toString(e.fileOffset());
            if (manyFiles || (e.file() != null && !e.file().equals(f.path()))) offset = e.file().getFileName() + "@" + offset;
            rows[i] = new String[] {Integer.toString(i), e.name(), e.dtype(), shape(e.shape()), Long.toString(e.byteSize()), offset};
            for (int c = 0; c < w.length; c++) w[c] = Math.max(w[c], rows[i][c].length());
        }
        out.println("  " + row(head, w));
        for (String[] r : rows) out.println("  " + row(r, w));
    }

    private static String describeFormat(WeightFile f) {
        if (f instanceof GgufFile g) {
            return "GGUF v" + g.version() + " (alignment " + g.alignment() + ", tensor data at byte " + g.dataOffset() + ")";
        }
        if (f instanceof SafetensorsFile s) return "safetensors (header " + (s.dataOffset() - 8) + " bytes)";
        if (f instanceof ShardedSafetensors s) return "safetensors, " + s.shards().size() + " shard(s)";
        return f.format();
    }

    private static String typeName(GgufValue v) {
        return v.type() == GgufType.ARRAY ? "ARRAY<" + v.elementType() + ">" : v.type().name();
    }

    private static String row(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            boolean right = c == 0 || c == 4 || c == 5;
            String cell = right ? " ".repeat(w[c] - cells[c].length()) + cells[c] : pad(cells[c], w[c]);
            sb.append(c == 0 ? "" : "  ").append(cell);
        }
        return sb.toString().stripTrailing();
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }

    private static String shape(long[] s) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) sb.append(i == 0 ? "" : ", ").append(s[i]);
        return sb.append(']').toString();
    }

    static String humanBytes(long b) {
        if (b < 1024) return b + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    // ---- JSON ------------------------------------------------------------------------------

    private static ObjectNode toJson(WeightFile f, HfConfig config, int max) {
        JsonNodeFactory nf = JsonNodeFactory.instance;
        ObjectNode root = nf.objectNode();
        root.put("file", f.path().toString());
        root.put("format", f.format());
        if (f instanceof GgufFile g) {
            root.put("version", g.version());
            root.put("alignment", g.alignment());
            root.put("data_offset", g.dataOffset());
        }
        ObjectNode meta = root.putObject("metadata");
        if (f instanceof GgufFile g) {
            g.typedMetadata().forEach((k, v) -> meta.set(k, ggufJson(v, max)));
        } else {
            f.metadata().forEach((k, v) -> meta.set(k, plainJson(v, max)));
        }
        if (config != null) root.set("config", config.raw());
        ArrayNode tensors = root.putArray("tensors");
        for (TensorEntry e : f.entries()) {
            ObjectNode t = tensors.addObject();
            t.put("name", e.name());
            t.put("dtype", e.dtype());
            ArrayNode shape = t.putArray("shape");
            for (long s : e.shape()) shape.add(s);
            t.put("bytes", e.byteSize());
            t.put("offset", e.fileOffset());
            if (e.file() != null && !e.file().equals(f.path())) t.put("file", e.file().getFileName().toString());
        }
        return root;
    }

    /** GGUF values: unsigned integers as their unsigned value; long arrays as {length, head}. */
    private static JsonNode ggufJson(GgufValue v, int max) {
        JsonNodeFactory nf = JsonNodeFactory.instance;
        if (v.type() != GgufType.ARRAY) {
            if (v.type() == GgufType.UINT64) return nf.numberNode(new BigInteger(Long.toUnsignedString(v.asLong())));
            return plainJson(v.value(), max);
        }
        int n = v.length();
        ArrayNode items = nf.arrayNode();
        for (int i = 0; i < Math.min(n, max); i++) {
            Object a = v.value();
            items.add(switch (v.elementType()) {
                case ARRAY -> ggufJson(((GgufValue[]) a)[i], max);
                case UINT8 -> nf.numberNode(Byte.toUnsignedInt(((byte[]) a)[i]));
                case UINT16 -> nf.numberNode(Short.toUnsignedInt(((short[]) a)[i]));
                case UINT32 -> nf.numberNode(Integer.toUnsignedLong(((int[]) a)[i]));
                case UINT64 -> nf.numberNode(new BigInteger(Long.toUnsignedString(((long[]) a)[i])));
                default -> plainJson(Array.get(a, i), max);
            });
        }
        return n <= max ? items : abbreviated(n, items);
    }

    private static JsonNode plainJson(Object v, int max) {
        JsonNodeFactory nf = JsonNodeFactory.instance;
        if (v == null) return nf.nullNode();
        if (v instanceof String s) return nf.textNode(s);
        if (v instanceof Long l) return nf.numberNode(l);
        if (v instanceof Integer i) return nf.numberNode(i);
        if (v instanceof Float x) return Float.isFinite(x) ? nf.numberNode(x) : nf.textNode(x.toString());
        if (v instanceof Double x) return Double.isFinite(x) ? nf.numberNode(x) : nf.textNode(x.toString());
        if (v instanceof Boolean b) return nf.booleanNode(b);
        if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            ArrayNode items = nf.arrayNode();
            for (int i = 0; i < Math.min(n, max); i++) items.add(plainJson(Array.get(v, i), max));
            return n <= max ? items : abbreviated(n, items);
        }
        return nf.textNode(v.toString());
    }

    private static JsonNode abbreviated(int n, ArrayNode head) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("length", n);
        o.set("head", head);
        return o;
    }
}

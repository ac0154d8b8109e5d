package dev.jllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.formats.safetensors.SafetensorsWriter;
import dev.jllm.nn.Parameter;
import dev.jllm.nn.optim.Optimizer;
import dev.jllm.nn.optim.OptimizerState;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A checkpoint directory {@code step-0000100/}: {@value #MODEL} (every parameter, F32, under
 * its GGUF name), {@value #OPTIMIZER} (the optimizer's buffers, kind and step as metadata),
 * {@value #STATE} (step, data position, seed, the recipe and SHA-256 of both weight files) and
 * any extra files (the tokenizer). It is written into a temporary directory, every file and the
 * directory fsync'ed, then renamed into place, so a crash leaves either the whole checkpoint or
 * none; {@value #LATEST} in the parent names the newest one.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";
    public static final String LATEST = "latest";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {}

    public static String dirName(long step) { return String.format("step-%07d", step); }

    /**
     * Writes a checkpoint of {@code params} and {@code optimizer} under {@code parent}, with
     * {@code state} (sha256 entries are added) and copies of {@code extraFiles}; returns its path.
     */
    public static Path save(Path parent, long step, List<Parameter> params, Optimizer optimizer, ObjectNode state,
                            List<Path> extraFiles) throws IOException {
        Files.createDirectories(parent);
        Path target = parent.resolve(dirName(step));
        Path tmp = parent.resolve("." + dirName(step) + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        SafetensorsWriter mw = new SafetensorsWriter().putMetadata("format", "jllm-checkpoint").putMetadata("step", Long.toString(step));
        for (Parameter p : params) mw.add(p.name(), p.value());
        mw.write(tmp.resolve(MODEL));
        OptimizerState os = optimizer.exportState();
        SafetensorsWriter ow = new SafetensorsWriter();
        os.metadata().forEach(ow::putMetadata);
        os.buffers().forEach(ow::add);
        ow.write(tmp.resolve(OPTIMIZER));
        ObjectNode sums = state.putObject("sha256");
        sums.put(MODEL, sha256(tmp.resolve(MODEL)));
        sums.put(OPTIMIZER, sha256(tmp.resolve(OPTIMIZER)));
        for (Path f : extraFiles) {
            Files.copy(f, tmp.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            sums.put(f.getFileName().toString(), sha256(f));
        }
        Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state));
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.toList()) fsync(f, false);
        }
        fsync(tmp, true);
        deleteTree(target);
        move(tmp, target);
        fsync(parent, true);
        writeAtomically(parent.resolve(LATEST), dirName(step) + "\n");
        return target;
    }

    /** The newest checkpoint under {@code parent} (by {@value #LATEST}, else the highest step), or null. */
    public static Path latest(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) return null;
        Path pointer = parent.resolve(LATEST);
        if (Files.isRegularFile(pointer)) {
            Path p = parent.resolve(Files.readString(pointer).strip());
            if (Files.isDirectory(p)) return p;
        }
        List<Path> all = list(parent);
        return all.isEmpty() ? null : all.getLast();
    }

    /** Checkpoint directories under {@code parent}, oldest step first. */
    public static List<Path> list(Path parent) throws IOException {
        if (!Files.isDirectory(parent)) return List.of();
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p)).sorted().toList();
        }
    }

    /** Deletes all but the newest {@code keep} checkpoints. */
    public static void prune(Path parent, int keep) throws IOException {
        List<Path> all = list(parent);
        for (int i = 0; i < all.size() - keep; i++) deleteTree(all.get(i));
    }

    /** Reads and verifies {@value #STATE}: the files it names must exist and match their SHA-256. */
    public static ObjectNode readState(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("checkpoint " + dir + " does not exist");
        Path statePath = dir.resolve(STATE);
        if (!Files.isRegularFile(statePath)) throw new IOException("checkpoint " + dir + " is incomplete: no " + STATE);
        JsonNode node;
        try {
            node = JSON.readTree(statePath.toFile());
        } catch (IOException e) {
            throw new IOException("checkpoint " + dir + ": " + STATE + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!(node instanceof ObjectNode state) || !state.path("step").isIntegralNumber()) {
            throw new IOException("checkpoint " + dir + ": " + STATE + " lacks an integer 'step'");
        }
        JsonNode sums = state.path("sha256");
        for (String f : List.of(MODEL, OPTIMIZER)) {
            if (!Files.isRegularFile(dir.resolve(f))) throw new IOException("checkpoint " + dir + " is incomplete: no " + f);
            if (!sums.has(f)) throw new IOException("checkpoint " + dir + ": " + STATE + " has no sha256 of " + f);
        }
        for (var it = sums.fields(); it.hasNext(); ) {
            var e = it.next();
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) throw new IOException("checkpoint " + dir + " is incomplete: no " + e.getKey());
            String actual = sha256(f);
            if (!actual.equals(e.getValue().asText())) {
                throw new IOException("checkpoint " + dir + ": " + e.getKey() + " is corrupt (SHA-256 " + actual
                        + ", expected " + e.getValue().asText() + ")");
            }
        }
        return state;
    }

    /** Copies the checkpoint's weights into {@code params}; names and shapes must match exactly. */
    public static void loadModel(Path dir, List<Parameter> params) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(MODEL))) {
            Set<String> expected = new HashSet<>();
            for (Parameter p : params) {
                expected.add(p.name());
                if (!f.contains(p.name())) throw new IOException(f.path() + ": missing parameter " + p.name());
                Tensor t = f.tensor(p.name());
                if (t.dtype() != DType.F32 || !Arrays.equals(t.shape(), p.shape())) {
                    throw new IOException(f.path() + ": parameter " + p.name() + " is " + t.dtype() + " " + Arrays.toString(t.shape())
                            + ", the model needs F32 " + Arrays.toString(p.shape()));
                }
                float[] src = t.toFloatArray();
                System.arraycopy(src, 0, p.data(), 0, src.length);
            }
            for (String n : f.infos().keySet()) {
                if (!expected.contains(n)) throw new IOException(f.path() + ": tensor " + n + " is not a parameter of this model");
            }
        }
    }

    /** Restores the optimizer's buffers and step counter. */
    public static void loadOptimizer(Path dir, Optimizer optimizer) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : f.infos().keySet()) tensors.put(n, f.tensor(n));
            OptimizerState s = OptimizerState.fromCheckpoint(f.stringMetadata(), tensors);
            if (!s.kind().equals(optimizer.kind())) {
                throw new IOException(f.path() + ": optimizer state is " + s.kind() + ", the recipe uses " + optimizer.kind());
            }
            try {
                optimizer.importState(s);
            } catch (IllegalArgumentException e) {
                throw new IOException(f.path() + ": " + e.getMessage(), e);
            }
        }
    }

    static String sha256(Path f) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Writes {@code text} to a sibling temporary file, fsyncs it and renames it over {@code target}. */
    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        fsync(tmp, false);
        move(tmp, target);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Flushes a file, or a directory's entries (where the platform allows opening one). */
    static void fsync(Path p, boolean directory) throws IOException {
        try (FileChannel ch = FileChannel.open(p, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!directory) throw e; // some file systems cannot open directories; the rename is still atomic
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> all = new ArrayList<>(s.toList());
            java.util.Collections.reverse(all);
            for (Path x : all) Files.deleteIfExists(x);
        }
    }
}

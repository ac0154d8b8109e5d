package dev.jllm.formats.gguf;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.quant.Quants;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Re-quantizes a GGUF model, as llama.cpp's {@code llama-quantize} does: the weight matrices
 * (name ending in {@code .weight}, two or more dimensions) are decoded row by row and encoded
 * in the target type with the same arithmetic as ggml's reference quantizers ({@link Quants});
 * everything else is copied byte for byte: metadata (tokenizer included), norms and biases,
 * MoE routers ({@code ffn_gate_inp}), learned position embeddings, and tensors whose rows do
 * not fill the target's blocks or whose type jllm cannot decode. The output is written
 * tensor by tensor into a memory-mapped file, so a model larger than the heap quantizes too.
 */
public final class GgufQuantizer {
    private GgufQuantizer() {}

    /** Target types: the float types and every block format jllm encodes. */
    public static final Set<DType> TARGETS = Set.of(DType.F32, DType.F16, DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0,
            DType.Q5_1, DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.IQ4_NL, DType.IQ4_XS);

    /** What happened to one tensor: its type before and after, or why it was kept. */
    public record TensorPlan(String name, long[] shape, GgmlType from, GgmlType to, String keptBecause) {
        public boolean converted() { return keptBecause == null; }
    }

    /** The plan that was carried out, and the sizes of the two files. */
    public record Result(List<TensorPlan> tensors, long inputBytes, long outputBytes) {}

    /**
     * Writes {@code out} with the weight matrices of {@code in} in {@code type} ({@code output.weight}
     * in {@code outputType}; null: {@code type}). Progress lines go to {@code progress}.
     *
     * @throws IllegalArgumentException for a target type jllm cannot write, or {@code out} equal to {@code in}
     */
    public static Result quantize(Path in, Path out, DType type, DType outputType, Consumer<String> progress) throws IOException {
        checkTarget(type);
        if (outputType == null) outputType = type;
        checkTarget(outputType);
        if (Files.exists(out) && Files.isSameFile(in, out)) throw new IllegalArgumentException("the output would overwrite the input " + in);
        try (GgufFile g = GgufFile.open(in)) {
            List<TensorPlan> plan = new ArrayList<>();
            GgufWriter w = new GgufWriter(g.version() >= 2 ? g.version() : 3);
            w.putAll(g.typedMetadata());
            w.put("general.quantized_by", GgufValue.string("jllm"));
            for (GgufTensorInfo t : g.tensorInfos().values()) {
                DType target = t.name().equals("output.weight") ? outputType : type;
                String kept = keepReason(t, target);
                long[] shape = t.shape();
                if (kept == null) {
                    w.reserveTensor(t.name(), target, shape);
                    plan.add(new TensorPlan(t.name(), shape, t.type(), GgmlType.of(target), null));
                } else {
                    w.addTensor(t.name(), t.type(), shape, g.tensorBytes(t.name()));
                    plan.add(new TensorPlan(t.name(), shape, t.type(), t.type(), kept));
                }
            }
            GgufWriter.Layout layout = w.write(out);
            fill(g, plan, out, layout, progress);
            return new Result(plan, Files.size(in), Files.size(out));
        }
    }

    private static void checkTarget(DType t) {
        if (!TARGETS.contains(t)) {
            throw new IllegalArgumentException("cannot quantize to " + t + "; targets are F32, F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                    + "Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS");
        }
    }

    /** Why {@code t} is copied as it is (llama.cpp's rules), or null when it is converted to {@code target}. */
    static String keepReason(GgufTensorInfo t, DType target) {
        String n = t.name();
        long[] ne = t.ne();
        if (!n.endsWith(".weight")) return "not a weight";
        if (ne.length < 2) return "one-dimensional";
        if (n.endsWith("_norm.weight")) return "a norm";
        if (n.endsWith("ffn_gate_inp.weight")) return "an expert router";
        if (n.equals("position_embd.weight") || n.equals("token_types.weight")) return "an embedding table kept exact";
        if (t.type().dtype() == null) return "type " + t.type() + " cannot be decoded by jllm";
        if (t.type().dtype() == target) return "already " + target;
        if (ne[0] % target.blockSize() != 0) return "rows of " + ne[0] + " do not fill blocks of " + target.blockSize();
        return null;
    }

    private static void fill(GgufFile g, List<TensorPlan> plan, Path out, GgufWriter.Layout layout, Consumer<String> progress)
            throws IOException {
        int total = (int) plan.stream().filter(TensorPlan::converted).count(), done = 0;
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
            for (TensorPlan p : plan) {
                if (!p.converted()) continue;
                Tensor src = g.tensor(p.name());
                int cols = (int) src.size(src.rank() - 1);
                long rows = src.numel() / cols;
                Tensor matrix = src.reshape(rows, cols);
                DType to = p.to().dtype();
                long rowBytes = to.byteSize(cols), base = layout.tensorOffsets().get(p.name());
                for (long r = 0; r < rows; r++) {
                    float[] row = matrix.slice(0, r, r + 1).toFloatArray();
                    write(to, row, file, base + r * rowBytes);
                }
                done++;
                if (progress != null) {
                    progress.accept(String.format("[%d/%d] %-32s %s -> %s %s", done, total, p.name(), p.from(), p.to(),
                            java.util.Arrays.toString(p.shape())));
                }
            }
            file.force();
        }
    }

    private static void write(DType to, float[] row, MemorySegment file, long at) {
        switch (to) {
            case F32 -> MemorySegment.copy(row, 0, file, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at, row.length);
            case F16 -> {
                ValueLayout.OfShort h = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < row.length; i++) file.set(h, at + 2L * i, Float.floatToFloat16(row[i]));
            }
            default -> Quants.quantize(to, row, 0, file, at, row.length);
        }
    }
}

package dev.jllm.bench;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.tokenizer.GgufTokenizerMetadata;
import dev.jllm.models.KvCache;
import dev.jllm.models.Llama;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Simd;
import dev.jllm.tensor.quant.Quants;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code jllm bench -m MODEL}: prefill and decode speed of a model, next to the decode ceiling
 * that memory bandwidth allows (bandwidth / weight bytes read per token). Also writes
 * random-weight GGUF files of real model shapes ({@code jllm bench model-file}) — speed does
 * not depend on the values.
 */
public final class ModelBench {
    public record Result(String model, String weightType, int promptTokens, int genTokens, double prefillTps,
                         double decodeTps, double ttftMs, double peakRssMb, double bandwidthGbps,
                         double bytesPerToken, double decodeCeilingTps, String kvType, long kvBytes) {}

    private final PrintStream log;

    public ModelBench(PrintStream log) {
        this.log = log;
    }

    public Result run(Path model, int promptLen, int gen) throws IOException {
        return run(model, promptLen, gen, DType.F32);
    }

    /** As above with the KV cache stored as {@code kvType} (F32, F16 or Q8_0); warm-up uses the same type. */
    public Result run(Path model, int promptLen, int gen, DType kvType) throws IOException {
        log.println(Simd.describe());
        try (GgufFile g = GgufFile.open(model)) {
            Llama m = Llama.fromGguf(g);
            Llama.Config c = m.config();
            if (promptLen + gen > c.context()) {
                throw new IllegalArgumentException("prompt " + promptLen + " + generation " + gen + " tokens exceed the model's context of "
                        + c.context() + " (use smaller --prompt-len/--gen)");
            }
            double bytesPerToken = 0;
            for (var e : g.tensorInfos().keySet()) {
                if (!e.equals("token_embd.weight") || !g.tensorInfos().containsKey("output.weight")) bytesPerToken += g.tensor(e).byteSize();
            }
            SplittableRandom r = new SplittableRandom(1);
            int[] prompt = new int[promptLen];
            for (int i = 0; i < promptLen; i++) prompt[i] = r.nextInt(c.vocab());
            float[] logits = new float[c.vocab()];
            warmUp(m, prompt, logits, kvType);

            KvCache kv = m.newState(promptLen + gen, kvType);
            long kvBytes = m.kvBytesPerToken(kvType) * (promptLen + gen);
            long t0 = System.nanoTime();
            m.forward(prompt, 0, promptLen, kv, logits, false);
            long t1 = System.nanoTime();
            int[] next = {argmax(logits)};
            long firstToken = System.nanoTime();
            long tDecode = System.nanoTime();
            for (int i = 0; i < gen; i++) {
                m.forward(next, 0, 1, kv, logits, false);
                next[0] = argmax(logits);
            }
            long t2 = System.nanoTime();
            double prefillTps = promptLen / ((t1 - t0) / 1e9);
            double decodeTps = gen / ((t2 - tDecode) / 1e9);
            double ttftMs = (firstToken - t0) / 1e6;
            log.printf("prefill: %d tokens in %.2f s = %.1f tok/s%n", promptLen, (t1 - t0) / 1e9, prefillTps);
            log.printf("decode:  %d tokens in %.2f s = %.2f tok/s%n", gen, (t2 - tDecode) / 1e9, decodeTps);
            log.printf("KV cache: %s, %.1f MB for %d tokens%n", kvType, kvBytes / 1e6, promptLen + gen);
            double rss = peakRssMb(); // before the bandwidth sweep allocates its buffer
            MachinePeak.Bandwidth bw = MachinePeak.bandwidth(1L << 30);
            double ceiling = bw.readGbps() * 1e9 / bytesPerToken;
            log.printf("decode ceiling: %.1f GB/s read bandwidth / %.1f MB of weights per token = %.2f tok/s; decode reaches %.0f%% of it%n",
                    bw.readGbps(), bytesPerToken / 1e6, ceiling, 100 * decodeTps / ceiling);
            return new Result(model.toString(), m.weightType().toString(), promptLen, gen, prefillTps, decodeTps, ttftMs,
                    rss, bw.readGbps(), bytesPerToken, ceiling, kvType.toString(), kvBytes);
        }
    }

    /**
     * Rounds of a short prefill (>= 64 tokens take the batched GEMM path) and 16 decode steps
     * until a round is no longer 5% faster than the best one twice in a row: the JIT compiles
     * the kernels only after enough calls, and a small model makes few calls per token.
     */
    private void warmUp(Llama m, int[] prompt, float[] logits, DType kvType) {
        int ctx = m.config().context();
        int pre = Math.max(1, Math.min(Math.min(96, prompt.length), ctx - 16));
        int steps = Math.max(0, Math.min(16, ctx - pre));
        long best = Long.MAX_VALUE, deadline = System.nanoTime() + 20_000_000_000L;
        int stable = 0, rounds = 0;
        while (stable < 2 && rounds < 40 && System.nanoTime() < deadline) {
            long t = System.nanoTime();
            KvCache warm = m.newState(pre + steps, kvType);
            m.forward(prompt, 0, pre, warm, logits, false);
            for (int i = 0; i < steps; i++) m.forward(new int[] {argmax(logits)}, 0, 1, warm, logits, false);
            long dt = System.nanoTime() - t;
            stable = dt < best * 0.95 ? 0 : stable + 1;
            best = Math.min(best, dt);
            rounds++;
        }
        log.printf("warm-up: %d rounds%n", rounds);
    }

    private static int argmax(float[] a) {
        int b = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
        return b;
    }

    /** Peak resident set size (VmHWM) in MB, or -1 where /proc is missing. */
    public static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Model shapes for synthetic files. */
    public enum Shape {
        LLAMA_3_2_1B(2048, 16, 32, 8, 8192, 128256, 500000.0, 131072),
        SMALL_110M(768, 12, 12, 12, 3072, 32000, 10000.0, 2048);

        final int dim, layers, heads, kvHeads, ffn, vocab, context;
        final double theta;

        Shape(int dim, int layers, int heads, int kvHeads, int ffn, int vocab, double theta, int context) {
            this.dim = dim; this.layers = layers; this.heads = heads; this.kvHeads = kvHeads; this.ffn = ffn;
            this.vocab = vocab; this.theta = theta; this.context = context;
        }
    }

    private static Map<String, Object> tokenizerMetadata(Path file, int vocab) throws IOException {
        com.fasterxml.jackson.databind.JsonNode root;
        try (var in = java.nio.file.Files.newInputStream(file)) {
            var src = file.toString().endsWith(".gz") ? new java.util.zip.GZIPInputStream(in) : in;
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(src);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + " is not a tokenizer.json: " + e.getOriginalMessage());
        }
        String bos = null, eos = null;
        boolean addBos = false;
        java.util.Set<String> added = new java.util.HashSet<>();
        root.path("added_tokens").forEach(t -> added.add(t.path("content").asText()));
        if (added.contains("<|begin_of_text|>")) { // Llama 3
            bos = "<|begin_of_text|>";
            eos = added.contains("<|end_of_text|>") ? "<|end_of_text|>" : null;
            addBos = true;
        } else if (added.contains("<|endoftext|>")) {
            eos = "<|endoftext|>";
        }
        Map<String, Object> kv;
        try {
            kv = GgufTokenizerMetadata.fromTokenizerJson(root, GgufTokenizerMetadata.preFor(root), bos, eos, addBos);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        int n = ((String[]) kv.get("tokenizer.ggml.tokens")).length;
        if (n != vocab) {
            throw new IllegalArgumentException(file + " has " + n + " tokens but the shape's vocabulary is " + vocab
                    + " (use the tokenizer of the model the shape copies, e.g. Llama 3's for LLAMA_3_2_1B)");
        }
        return kv;
    }

    private static GgufValue ggufValue(Object v) {
        return switch (v) {
            case String str -> GgufValue.string(str);
            case String[] strs -> GgufValue.strings(strs);
            case int[] ints -> GgufValue.int32s(ints);
            case Long l -> GgufValue.uint32(l);
            case Boolean b -> GgufValue.bool(b);
            default -> throw new IllegalStateException("no GGUF type for " + v.getClass());
        };
    }

    /**
     * Writes a llama-architecture GGUF of {@code shape} with weights of {@code type}: each
     * matrix is one quantized random row repeated (real block data, written fast), norms are 1.
     */
    public static void writeModelFile(Shape s, DType type, Path out, PrintStream log) throws IOException {
        writeModelFile(s, type, out, null, log);
    }

    /**
     * Like {@link #writeModelFile(Shape, DType, Path, PrintStream)}, with the byte-level BPE
     * tokenizer of a Hugging Face {@code tokenizer.json} (plain or .gz; null: none) written as
     * llama.cpp's {@code tokenizer.ggml.*} metadata, so engines that insist on a tokenizer
     * (llama.cpp, llama3.java) load the file too. Its vocabulary must have the shape's size.
     */
    public static void writeModelFile(Shape s, DType type, Path out, Path tokenizerJson, PrintStream log) throws IOException {
        Map<String, Object> tokenizer = tokenizerJson == null ? null : tokenizerMetadata(tokenizerJson, s.vocab);
        int headDim = s.dim / s.heads;
        Map<String, long[]> matrices = new LinkedHashMap<>();
        matrices.put("token_embd.weight", new long[] {s.vocab, s.dim});
        matrices.put("output.weight", new long[] {s.vocab, s.dim});
        GgufWriter w = new GgufWriter();
        String a = "llama";
        w.put("general.architecture", GgufValue.string(a));
        w.put("general.name", GgufValue.string("jllm synthetic " + s.name().toLowerCase() + " " + type));
        w.put(a + ".context_length", GgufValue.uint32(s.context));
        w.put(a + ".embedding_length", GgufValue.uint32(s.dim));
        w.put(a + ".block_count", GgufValue.uint32(s.layers));
        w.put(a + ".feed_forward_length", GgufValue.uint32(s.ffn));
        w.put(a + ".attention.head_count", GgufValue.uint32(s.heads));
        w.put(a + ".attention.head_count_kv", GgufValue.uint32(s.kvHeads));
        w.put(a + ".rope.freq_base", GgufValue.float32((float) s.theta));
        w.put(a + ".rope.dimension_count", GgufValue.uint32(headDim));
        w.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f));
        w.put(a + ".vocab_size", GgufValue.uint32(s.vocab));
        if (tokenizer != null) tokenizer.forEach((k, v) -> w.put(k, ggufValue(v)));
        Map<String, Long> norms = new LinkedHashMap<>();
        norms.put("output_norm.weight", (long) s.dim);
        for (int l = 0; l < s.layers; l++) {
            String p = "blk." + l + ".";
            norms.put(p + "attn_norm.weight", (long) s.dim);
            norms.put(p + "ffn_norm.weight", (long) s.dim);
            matrices.put(p + "attn_q.weight", new long[] {(long) s.heads * headDim, s.dim});
            matrices.put(p + "attn_k.weight", new long[] {(long) s.kvHeads * headDim, s.dim});
            matrices.put(p + "attn_v.weight", new long[] {(long) s.kvHeads * headDim, s.dim});
            matrices.put(p + "attn_output.weight", new long[] {s.dim, (long) s.heads * headDim});
            matrices.put(p + "ffn_gate.weight", new long[] {s.ffn, s.dim});
            matrices.put(p + "ffn_up.weight", new long[] {s.ffn, s.dim});
            matrices.put(p + "ffn_down.weight", new long[] {s.dim, s.ffn});
        }
        for (var e : norms.entrySet()) {
            float[] ones = new float[(int) (long) e.getValue()];
            java.util.Arrays.fill(ones, 1f);
            w.addTensor(e.getKey(), Tensor.of(ones, e.getValue()));
        }
        for (var e : matrices.entrySet()) w.reserveTensor(e.getKey(), type, e.getValue());
        GgufWriter.Layout layout = w.write(out);
        SplittableRandom r = new SplittableRandom(7);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
            int done = 0;
            for (var e : matrices.entrySet()) {
                long rows = e.getValue()[0], cols = e.getValue()[1];
                float[] row = new float[(int) cols];
                for (int i = 0; i < cols; i++) row[i] = (float) (r.nextGaussian() * 0.02);
                byte[] rowBytes = type == DType.F32 ? f32Bytes(row) : Quants.quantize(type, row);
                long base = layout.tensorOffsets().get(e.getKey()); // absolute file offset
                for (long i = 0; i < rows; i++) {
                    MemorySegment.copy(rowBytes, 0, file, ValueLayout.JAVA_BYTE, base + i * rowBytes.length, rowBytes.length);
                }
                if (++done % 16 == 0 || done == matrices.size()) log.printf("writing %s: %d/%d tensors%n", out.getFileName(), done, matrices.size());
            }

        }
    }

    private static byte[] f32Bytes(float[] row) {
        byte[] b = new byte[row.length * 4];
        MemorySegment.copy(row, 0, MemorySegment.ofArray(b), ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, row.length);
        return b;
    }
}

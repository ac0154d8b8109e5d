package dev.jllm.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jllm.models.Encoder;
import dev.jllm.models.Pooling;
import dev.jllm.tensor.Parallel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * {@code jllm bench embed}: sentence embeddings per second for the bundled all-MiniLM-L6-v2,
 * jllm's own encoder side by side with ONNX Runtime running the very same .onnx file with the
 * same thread count. Both get the same pre-tokenized batches (tokenization is not timed) and
 * both include mean pooling + L2 normalization; rounds alternate between the two engines so
 * machine noise hits both alike, and medians are reported.
 */
public final class EmbedBench {
    /** One engine at one batch size. */
    public record Row(String engine, int batch, double sentencesPerSecond) {}

    /** Both engines at one batch size, and jllm / ORT. */
    public record Pair(int batch, double jllm, double ort, double ratio) {}

    public record Report(int threads, int sentences, double meanTokens, List<Pair> pairs) {}

    private EmbedBench() {}

    /** Real sentences from the Brown Corpus in the repository (data/brown.jsonl.gz). */
    public static List<String> sentences(Path brownJsonlGz, int count) throws IOException {
        List<String> out = new ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(brownJsonlGz)),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && out.size() < count) {
                String text = om.readTree(line).path("text").asText();
                for (String s : text.split("(?<=[.!?])\\s+")) {
                    String t = s.strip();
                    if (t.length() >= 20) out.add(t);
                    if (out.size() == count) break;
                }
            }
        }
        if (out.size() < count) throw new IOException(brownJsonlGz + " gave only " + out.size() + " sentences, wanted " + count);
        return out;
    }

    /**
     * @param rounds alternating rounds per batch size (the median is reported)
     */
    public static Report run(List<String> texts, int[] batches, int rounds) throws IOException, OrtException {
        Encoder enc = Encoder.miniLm();
        List<int[]> ids = new ArrayList<>();
        long tokens = 0;
        for (String t : texts) {
            int[] a = enc.tokenize(t);
            ids.add(a);
            tokens += a.length;
        }
        int threads = Parallel.threads();
        Path onnx = Files.createTempFile("jllm-bench-minilm", ".onnx");
        List<Pair> pairs = new ArrayList<>();
        try (InputStream in = Encoder.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            if (in == null) throw new IOException("the bundled MiniLM .onnx is not on the classpath");
            Files.copy(in, onnx, StandardCopyOption.REPLACE_EXISTING);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(threads);
                o.setInterOpNumThreads(1);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                try (OrtSession session = env.createSession(onnx.toString(), o)) {
                    for (int batch : batches) {
                        // Warm both (JIT, ORT's arena), then alternate timed rounds.
                        runJllm(enc, ids, batch);
                        runOrt(env, session, ids, batch);
                        double[] j = new double[rounds], r = new double[rounds];
                        for (int k = 0; k < rounds; k++) {
                            j[k] = ids.size() / time(() -> runJllm(enc, ids, batch));
                            r[k] = ids.size() / time(() -> runOrt(env, session, ids, batch));
                        }
                        double jm = Measure.median(j), rm = Measure.median(r);
                        pairs.add(new Pair(batch, jm, rm, jm / rm));
                    }
                }
            }
        } finally {
            Files.deleteIfExists(onnx);
        }
        return new Report(threads, ids.size(), (double) tokens / ids.size(), pairs);
    }

    private interface Body { void run() throws Exception; }

    private static double time(Body b) {
        long s = System.nanoTime();
        try {
            b.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return (System.nanoTime() - s) / 1e9;
    }

    static float[][] runJllm(Encoder enc, List<int[]> ids, int batch) {
        int dim = enc.dim();
        float[][] out = new float[ids.size()][];
        for (int b0 = 0; b0 < ids.size(); b0 += batch) {
            List<int[]> part = ids.subList(b0, Math.min(ids.size(), b0 + batch));
            float[][] states = enc.model().encode(part, null);
            for (int s = 0; s < part.size(); s++) out[b0 + s] = Pooling.l2Normalize(Pooling.MEAN.pool(states[s], dim));
        }
        return out;
    }

    /** ORT on right-padded batches, reading the output buffer directly, with the same pooling. */
    static float[][] runOrt(OrtEnvironment env, OrtSession session, List<int[]> ids, int batch) throws OrtException {
        float[][] out = new float[ids.size()][];
        boolean types = session.getInputNames().contains("token_type_ids");
        for (int b0 = 0; b0 < ids.size(); b0 += batch) {
            List<int[]> part = ids.subList(b0, Math.min(ids.size(), b0 + batch));
            int n = part.size(), t = 1;
            for (int[] a : part) t = Math.max(t, a.length);
            long[] in = new long[n * t], mask = new long[n * t];
            for (int s = 0; s < n; s++) {
                int[] a = part.get(s);
                for (int i = 0; i < a.length; i++) {
                    in[s * t + i] = a[i];
                    mask[s * t + i] = 1;
                }
            }
            long[] shape = {n, t};
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(in), shape);
                 OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                 OnnxTensor ty = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n * t]), shape)) {
                inputs.put("input_ids", a);
                inputs.put("attention_mask", m);
                if (types) inputs.put("token_type_ids", ty);
                try (OrtSession.Result r = session.run(inputs)) {
                    FloatBuffer h = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    int dim = h.remaining() / (n * t);
                    for (int s = 0; s < n; s++) {
                        int len = part.get(s).length;
                        float[] states = new float[len * dim];
                        h.get(s * t * dim, states, 0, len * dim);
                        out[b0 + s] = Pooling.l2Normalize(Pooling.MEAN.pool(states, dim));
                    }
                }
            }
        }
        return out;
    }

    /** Largest |difference| between the two engines' embeddings (a sanity check printed with the timings). */
    public static double maxDifference(List<String> texts) throws IOException, OrtException {
        Encoder enc = Encoder.miniLm();
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) ids.add(enc.tokenize(t));
        Path onnx = Files.createTempFile("jllm-bench-minilm", ".onnx");
        try (InputStream in = Encoder.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            Files.copy(in, onnx, StandardCopyOption.REPLACE_EXISTING);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions(); OrtSession session = env.createSession(onnx.toString(), o)) {
                float[][] a = runJllm(enc, ids, 16), b = runOrt(env, session, ids, 16);
                double max = 0;
                for (int i = 0; i < a.length; i++) for (int d = 0; d < a[i].length; d++) max = Math.max(max, Math.abs(a[i][d] - b[i][d]));
                return max;
            }
        } finally {
            Files.deleteIfExists(onnx);
        }
    }
}

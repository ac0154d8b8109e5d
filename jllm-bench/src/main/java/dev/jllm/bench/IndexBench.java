package dev.jllm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.models.Encoder;
import dev.jllm.rag.Chunk;
import dev.jllm.rag.ChunkIndex;
import dev.jllm.rag.Chunker;
import dev.jllm.rag.SearchMode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code jllm bench index}: how fast a large retrieval index builds and answers. Brown Corpus
 * documents are chunked (64 MiniLM tokens); the corpus gives ~25k chunks, so it is repeated
 * under new source names until the target count. Embedding 100k chunks with MiniLM would take
 * over an hour on 2 cores, so the embedding rate is measured on a sample and the 100k vectors
 * are the sample's vectors reused round-robin with a small deterministic perturbation (HNSW
 * still builds over 100k distinct points). Reported: embedding chunks/s, BM25-only build
 * chunks/s, BM25+HNSW build chunks/s (vectors given), and query latency p50/p99 per mode
 * (dense and hybrid include embedding the query).
 */
public final class IndexBench {
    public record Latency(String mode, double p50Ms, double p99Ms) {}

    public record Report(int chunks, int distinctChunks, double embedChunksPerS, double bm25BuildChunksPerS,
                         double hybridBuildChunksPerS, List<Latency> latencies) {}

    private IndexBench() {}

    public static Report run(Path brown, int target, int embedSample, int queries, Path work, PrintStream log) throws IOException {
        Encoder enc = Encoder.miniLm();
        Chunker chunker = new Chunker(t -> enc.tokenize(t).length - 2, 64, 0);
        List<Chunk> base = new ArrayList<>();
        ObjectMapper om = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(brown)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                var doc = om.readTree(line);
                base.addAll(chunker.chunk(doc.path("id").asText(), doc.path("text").asText()));
            }
        }
        log.printf("%d distinct chunks from %s; target %d%n", base.size(), brown, target);

        int sample = Math.min(embedSample, base.size());
        List<String> sampleTexts = base.subList(0, sample).stream().map(Chunk::text).toList();
        long t0 = System.nanoTime();
        float[][] sampleVecs = new float[sample][];
        for (int i = 0; i < sample; i += 32) {
            float[][] v = enc.embed(sampleTexts.subList(i, Math.min(sample, i + 32)));
            System.arraycopy(v, 0, sampleVecs, i, v.length);
        }
        double embedRate = sample / ((System.nanoTime() - t0) / 1e9);
        log.printf("embedded %d chunks: %.1f chunks/s%n", sample, embedRate);

        List<List<Chunk>> bySource = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        int total = 0;
        for (int copy = 0; total < target; copy++) {
            String current = null;
            List<Chunk> group = null;
            for (Chunk c : base) {
                if (total == target) break;
                String src = c.source() + (copy == 0 ? "" : "#" + copy);
                if (!src.equals(current)) {
                    current = src;
                    group = new ArrayList<>();
                    bySource.add(group);
                    sources.add(src);
                }
                group.add(new Chunk(src, c.ordinal(), c.start(), c.end(), c.text()));
                total++;
            }
        }
        SplittableRandom rnd = new SplittableRandom(7);
        List<float[][]> vectors = new ArrayList<>();
        int k = 0;
        for (List<Chunk> g : bySource) {
            float[][] v = new float[g.size()][];
            for (int i = 0; i < v.length; i++, k++) {
                float[] src = sampleVecs[k % sample];
                float[] x = new float[src.length];
                double norm = 0;
                for (int d = 0; d < x.length; d++) {
                    x[d] = src[d] + (float) ((rnd.nextDouble() - 0.5) * 0.02);
                    norm += x[d] * x[d];
                }
                float inv = (float) (1 / Math.sqrt(norm));
                for (int d = 0; d < x.length; d++) x[d] *= inv;
                v[i] = x;
            }
            vectors.add(v);
        }

        double bm25Rate = build(work.resolve("bm25"), enc, bySource, sources, null, total, log, "BM25 only");
        double hybridRate = build(work.resolve("hybrid"), enc, bySource, sources, vectors, total, log, "BM25 + HNSW");

        List<String> qs = new ArrayList<>();
        SplittableRandom qr = new SplittableRandom(11);
        while (qs.size() < queries) {
            String[] words = base.get(qr.nextInt(base.size())).text().split("\\s+");
            if (words.length < 10) continue;
            int at = qr.nextInt(words.length - 8);
            qs.add(String.join(" ", Arrays.copyOfRange(words, at, at + 8)));
        }
        List<Latency> lat = new ArrayList<>();
        try (ChunkIndex idx = ChunkIndex.open(work.resolve("hybrid"), enc, false)) {
            for (SearchMode mode : SearchMode.values()) {
                for (int i = 0; i < Math.min(20, qs.size()); i++) idx.search(qs.get(i), 10, mode); // warm-up
                double[] ms = new double[qs.size()];
                for (int i = 0; i < qs.size(); i++) {
                    long s = System.nanoTime();
                    idx.search(qs.get(i), 10, mode);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                Arrays.sort(ms);
                Latency l = new Latency(mode.name().toLowerCase(), ms[ms.length / 2], ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.99) - 1)]);
                log.printf("%-7s query latency p50 %.2f ms, p99 %.2f ms (%d queries, k=10)%n", l.mode(), l.p50Ms(), l.p99Ms(), qs.size());
                lat.add(l);
            }
        }
        return new Report(total, base.size(), embedRate, bm25Rate, hybridRate, lat);
    }

    private static double build(Path dir, Encoder enc, List<List<Chunk>> bySource, List<String> sources, List<float[][]> vectors,
                                int total, PrintStream log, String what) throws IOException {
        deleteTree(dir);
        long t0 = System.nanoTime();
        try (ChunkIndex idx = ChunkIndex.open(dir, enc, true)) {
            for (int i = 0; i < bySource.size(); i++) idx.put(sources.get(i), bySource.get(i), vectors == null ? null : vectors.get(i));
            idx.commit();
        }
        double rate = total / ((System.nanoTime() - t0) / 1e9);
        log.printf("%-12s build: %d chunks, %.0f chunks/s%n", what, total, rate);
        return rate;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}

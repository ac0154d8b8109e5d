package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.bench.IndexBench;
import dev.jllm.bench.TokenizerBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jllm bench index}: build throughput and query latency of a large Lucene BM25 + HNSW index. */
@Command(name = "index",
        header = "Index build chunks/s and query latency p50/p99 per search mode.",
        mixinStandardHelpOptions = true,
        description = {
                "Builds a retrieval index of --chunks Brown Corpus chunks (64 MiniLM tokens each; the corpus is repeated",
                "under new source names to reach the count) and measures: MiniLM embedding chunks/s (on a sample),",
                "BM25-only build chunks/s, BM25 + HNSW build chunks/s (with precomputed vectors: the sample's vectors",
                "reused with a small perturbation), and query latency p50/p99 for bm25, dense and hybrid (k=10)."})
final class BenchIndexCommand implements Callable<Integer> {
    @Option(names = "--chunks", defaultValue = "100000", description = "Chunks in the index (default: ${DEFAULT-VALUE}).")
    int chunks;

    @Option(names = "--embed-sample", defaultValue = "512", description = "Chunks embedded to measure the embedding rate (default: ${DEFAULT-VALUE}).")
    int embedSample;

    @Option(names = "--queries", defaultValue = "200", description = "Queries per mode (default: ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to build the indexes (default: a temporary directory, deleted after).")
    Path dir;

    @Option(names = "--brown", paramLabel = "FILE", description = "Brown Corpus JSON lines (default: data/brown.jsonl.gz).")
    Path brown;

    @Option(names = "--json", description = "Print one JSON object (progress goes to stderr).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (chunks < 1 || embedSample < 1 || queries < 1) throw new IllegalArgumentException("--chunks, --embed-sample and --queries must be positive");
        Path b = brown != null ? brown : TokenizerBench.findBrown();
        Path work = dir != null ? dir : Files.createTempDirectory("jllm-bench-index");
        PrintStream log = json ? System.err : System.out;
        try {
            IndexBench.Report r = IndexBench.run(b, chunks, embedSample, queries, work, log);
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.put("chunks", r.chunks()).put("distinct_chunks", r.distinctChunks()).put("embed_chunks_per_s", r.embedChunksPerS())
                        .put("bm25_build_chunks_per_s", r.bm25BuildChunksPerS()).put("hybrid_build_chunks_per_s", r.hybridBuildChunksPerS());
                ArrayNode a = o.putArray("query_latency");
                for (IndexBench.Latency l : r.latencies()) a.addObject().put("mode", l.mode()).put("p50_ms", l.p50Ms()).put("p99_ms", l.p99Ms());
                System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            }
        } finally {
            if (dir == null) deleteTree(work);
        }
        return 0;
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}

package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.models.Encoder;
import dev.jllm.rag.ChunkIndex;
import dev.jllm.rag.SearchHit;
import dev.jllm.rag.SearchMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jllm search --index OUT "query"}: ranked chunks with scores and sources. */
@Command(name = "search",
        mixinStandardHelpOptions = true,
        description = {"Search an index built by 'jllm index build'.",
                "Scores: bm25 = Lucene BM25; dense = Lucene's cosine score (1 + cos) / 2; hybrid = RRF (k = 60)."})
final class SearchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "QUERY", description = "The query text.")
    String query;

    @Option(names = "--index", paramLabel = "DIR", required = true, description = "The index directory.")
    Path index;

    @Option(names = "-k", defaultValue = "10", description = "Results (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--mode", defaultValue = "hybrid", paramLabel = "bm25|dense|hybrid", description = "Ranking (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", defaultValue = Encoder.MINILM, description = "Embedding model the index was built with (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--json", description = "Print {\"query\":…, \"mode\":…, \"hits\":[{\"rank\",\"score\",\"source\",\"start\",\"end\",\"text\"}]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SearchMode m = switch (mode.toLowerCase()) {
            case "bm25" -> SearchMode.BM25;
            case "dense" -> SearchMode.DENSE;
            case "hybrid" -> SearchMode.HYBRID;
            default -> throw new IllegalArgumentException("--mode must be bm25, dense or hybrid, got '" + mode + "'");
        };
        if (!index.toFile().isDirectory()) throw new java.nio.file.NoSuchFileException(index.toString(), null, "no index directory (build one with 'jllm index build')");
        Encoder enc = Encoder.open(model, null, true);
        List<SearchHit> hits;
        try (ChunkIndex ix = ChunkIndex.open(index, enc, false)) {
            hits = ix.search(query, k, m);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode();
            root.put("query", query);
            root.put("mode", m.name().toLowerCase());
            ArrayNode arr = root.putArray("hits");
            for (int i = 0; i < hits.size(); i++) {
                SearchHit h = hits.get(i);
                ObjectNode o = arr.addObject();
                o.put("rank", i + 1);
                o.put("score", h.score());
                o.put("source", h.chunk().source());
                o.put("start", h.chunk().start());
                o.put("end", h.chunk().end());
                o.put("text", h.chunk().text());
            }
            out.println(om.writeValueAsString(root));
        } else {
            for (int i = 0; i < hits.size(); i++) {
                SearchHit h = hits.get(i);
                String snippet = h.chunk().text().replaceAll("\\s+", " ").strip();
                if (snippet.length() > 160) snippet = snippet.substring(0, 157) + "...";
                out.printf("%2d. %.4f  %s [%d-%d]%n    %s%n", i + 1, h.score(), h.chunk().source(), h.chunk().start(), h.chunk().end(), snippet);
            }
        }
        out.flush();
        return 0;
    }
}

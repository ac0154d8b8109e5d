package dev.jllm.cli;

import dev.jllm.models.Encoder;
import dev.jllm.rag.ChunkIndex;
import dev.jllm.rag.Chunker;
import dev.jllm.rag.DirectoryIndexer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jllm index build DIR --index OUT}: chunk, embed and index a directory of text files. */
@Command(name = "index",
        mixinStandardHelpOptions = true,
        description = "Build or update a retrieval index (BM25 + HNSW vectors in one Lucene index).",
        subcommands = IndexCommand.Build.class)
final class IndexCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = {"Index every text file under DIR (re-indexing changed ones, dropping deleted ones).",
                    "Chunks: up to --chunk-tokens tokens, --overlap tokens shared, cut at paragraph/sentence ends."})
    static final class Build implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "The directory to index.")
        Path root;

        @Option(names = "--index", paramLabel = "OUT", required = true, description = "The index directory (created if absent).")
        Path index;

        @Option(names = {"-m", "--model"}, paramLabel = "MODEL", defaultValue = Encoder.MINILM, description = "Embedding model (default: ${DEFAULT-VALUE}).")
        String model;

        @Option(names = "--chunk-tokens", defaultValue = "200", description = "Tokens per chunk (default: ${DEFAULT-VALUE}).")
        int chunkTokens;

        @Option(names = "--overlap", defaultValue = "40", description = "Overlap in tokens (default: ${DEFAULT-VALUE}).")
        int overlap;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Encoder enc = Encoder.open(model, null, true);
            Chunker chunker = new Chunker(t -> enc.tokenizer().encode(t, false, false).length, chunkTokens, overlap);
            PrintWriter err = spec.commandLine().getErr();
            long t0 = System.nanoTime();
            int chunks;
            try (ChunkIndex ix = ChunkIndex.open(index, enc, true)) {
                chunks = DirectoryIndexer.index(root, ix, chunker, (done, total) -> {
                    int width = 30, filled = total == 0 ? width : done * width / total;
                    err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total + " files");
                    err.flush();
                });
            }
            err.printf("%nindexed %s: %d chunks in %.1f s -> %s%n", root, chunks, (System.nanoTime() - t0) / 1e9, index);
            err.flush();
            return 0;
        }
    }
}

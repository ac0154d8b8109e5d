package dev.jllm.cli;

import dev.jllm.tokenizer.train.BpeTrainer;
import dev.jllm.tokenizer.train.SplitPatterns;
import dev.jllm.tokenizer.train.TrainedBpe;
import dev.jllm.tokenizer.train.TrainingCorpus;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jllm train-tokenizer}: learns a byte-level BPE vocabulary and writes a Hugging Face tokenizer.json. */
@Command(name = "train-tokenizer",
        mixinStandardHelpOptions = true,
        description = {"Learn a byte-level BPE tokenizer from text and save it as a Hugging Face tokenizer.json.",
                "A corpus file is plain text (read line by line, line endings kept), or .jsonl / .jsonl.gz "
                        + "with a \"text\" field per line (one document each)."})
public final class TrainTokenizerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", required = true, paramLabel = "FILE", description = "Training text; repeat for more files.")
    List<Path> corpus = new ArrayList<>();

    @Option(names = "--vocab-size", required = true, paramLabel = "N",
            description = "Vocabulary size, including the 256 byte symbols and the special tokens.")
    int vocabSize;

    @Option(names = "--special", paramLabel = "TOKEN",
            description = "A special token (ids 0.. in the order given), e.g. '<|endoftext|>'; repeatable.")
    List<String> special = new ArrayList<>();

    @Option(names = "--min-frequency", paramLabel = "N", defaultValue = "2",
            description = "Do not merge pairs seen fewer times (default: ${DEFAULT-VALUE}).")
    long minFrequency;

    @Option(names = "--pattern", paramLabel = "REGEX", defaultValue = "gpt2",
            description = "Pre-tokenizer split regex, or 'gpt2' / 'cl100k' (default: ${DEFAULT-VALUE}).")
    String pattern;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for word counting (default: all cores).")
    Integer threads;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write tokenizer.json.")
    Path out;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        List<String> texts = new ArrayList<>();
        long chars = 0;
        for (Path p : corpus) {
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--corpus " + p + ": no such file");
            List<String> t = TrainingCorpus.read(p);
            for (String s : t) chars += s.length();
            texts.addAll(t);
        }
        if (texts.isEmpty()) throw new IllegalArgumentException("the corpus is empty");
        int nThreads = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
        BpeTrainer.Options options = new BpeTrainer.Options(vocabSize, minFrequency, special,
                SplitPatterns.resolve(pattern), nThreads);
        long tRead = System.nanoTime();
        err.printf("read %,d texts (%,d chars) from %d file(s) in %.2f s%n", texts.size(), chars, corpus.size(), (tRead - t0) / 1e9);
        err.flush();
        ProgressBar bar = new ProgressBar(err, !noProgress);
        TrainedBpe trained = new BpeTrainer(options).train(texts, bar);
        long tTrain = System.nanoTime();
        bar.finish();
        trained.save(out);
        err.printf("vocab %,d (%d special, 256 byte symbols, %,d merges) in %.2f s (counting %.2f s, merging %.2f s); wrote %s%n",
                trained.vocabSize(), special.size(), trained.merges().size(), (tTrain - tRead) / 1e9,
                (bar.countedAt - tRead) / 1e9, (tTrain - bar.countedAt) / 1e9, out);
        if (trained.vocabSize() < vocabSize) {
            err.printf("note: stopped at %,d < %,d: no pair left occurring at least %d time(s)%n",
                    trained.vocabSize(), vocabSize, minFrequency);
        }
        err.flush();
        return 0;
    }

    /** "merges 1234/7743 [=====>    ] 16%  ETA 3s" on one stderr line, redrawn at most 10 times a second. */
    private static final class ProgressBar implements BpeTrainer.Progress {
        private final PrintWriter err;
        private final boolean draw;
        long countedAt;
        private long lastDraw;
        private boolean drawn;

        ProgressBar(PrintWriter err, boolean draw) {
            this.err = err;
            this.draw = draw;
        }

        @Override
        public void wordsCounted(int distinctWords, long totalWords) {
            countedAt = System.nanoTime();
            err.printf("counted %,d words (%,d distinct)%n", totalWords, distinctWords);
            err.flush();
        }

        @Override
        public void merged(int done, int target) {
            long now = System.nanoTime();
            if (!draw || (now - lastDraw < 100_000_000L && done < target)) return;
            lastDraw = now;
            double frac = target == 0 ? 1 : (double) done / target;
            int width = 30;
            int filled = (int) (frac * width);
            double elapsed = (now - countedAt) / 1e9;
            double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
            err.printf("\rmerges %,d/%,d [%s%s] %3d%%  ETA %.0fs ", done, target, "=".repeat(filled),
                    " ".repeat(width - filled), (int) (frac * 100), eta);
            err.flush();
            drawn = true;
        }

        void finish() {
            if (drawn) err.println();
            err.flush();
        }
    }
}

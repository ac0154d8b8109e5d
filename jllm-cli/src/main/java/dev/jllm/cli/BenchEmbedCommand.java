package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.bench.EmbedBench;
import dev.jllm.bench.TokenizerBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jllm bench embed}: MiniLM sentences/s, jllm next to ONNX Runtime. */
@Command(name = "embed",
        header = "Sentences/s of the MiniLM encoder beside ONNX Runtime.",
        mixinStandardHelpOptions = true,
        description = {
                "Sentence embeddings per second with the bundled all-MiniLM-L6-v2: jllm's encoder and ONNX Runtime",
                "on the same .onnx file with the same thread count (-Djllm.threads via JLLM_JAVA_OPTS sets both),",
                "same pre-tokenized Brown Corpus sentences, both with mean pooling + L2 normalization. Rounds",
                "alternate between the engines; medians and the ratio jllm / ORT are printed."})
final class BenchEmbedCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--batches", split = ",", defaultValue = "1,32", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--sentences", defaultValue = "256", description = "Sentences per round (default: ${DEFAULT-VALUE}).")
    int sentences;

    @Option(names = "--rounds", defaultValue = "5", description = "Alternating rounds per batch size (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--brown", paramLabel = "FILE", description = "Brown Corpus JSON lines (default: data/brown.jsonl.gz).")
    Path brown;

    @Override
    public Integer call() throws Exception {
        if (sentences < 1 || rounds < 1) throw new IllegalArgumentException("--sentences and --rounds must be at least 1");
        Path b = brown != null ? brown : TokenizerBench.findBrown();
        List<String> texts = EmbedBench.sentences(b, sentences);
        if (!json) System.out.printf("MiniLM-L6-v2, %d Brown sentences, %d threads; tokenization not timed%n", sentences,
                dev.jllm.tensor.Parallel.threads());
        EmbedBench.Report r = EmbedBench.run(texts, batches, rounds);
        double diff = EmbedBench.maxDifference(texts.subList(0, Math.min(64, texts.size())));
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode();
            root.put("model", "all-MiniLM-L6-v2").put("threads", r.threads()).put("sentences", r.sentences())
                    .put("mean_tokens", r.meanTokens()).put("max_abs_diff_vs_ort", diff);
            ArrayNode arr = root.putArray("results");
            for (EmbedBench.Pair p : r.pairs()) {
                arr.addObject().put("batch", p.batch()).put("jllm_sentences_per_s", p.jllm()).put("ort_sentences_per_s", p.ort())
                        .put("ratio", p.ratio());
            }
            System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else {
            System.out.printf("mean %.1f tokens per sentence; max |embedding diff| vs ORT %.2g%n", r.meanTokens(), diff);
            System.out.printf("%6s %14s %14s %8s%n", "batch", "jllm sent/s", "ORT sent/s", "ratio");
            for (EmbedBench.Pair p : r.pairs()) System.out.printf("%6d %14.1f %14.1f %8.2f%n", p.batch(), p.jllm(), p.ort(), p.ratio());
        }
        return 0;
    }
}

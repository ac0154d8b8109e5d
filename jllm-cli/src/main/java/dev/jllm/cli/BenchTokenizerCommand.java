package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.bench.TokenizerBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jllm bench tokenizer}: byte-level BPE encode throughput next to jtokkit. */
@Command(name = "tokenizer",
        header = "Encode MB/s of jllm's byte-level BPE beside jtokkit.",
        mixinStandardHelpOptions = true,
        description = {
                "Encode throughput (MB/s of UTF-8 input) of jllm's byte-level BPE and of jtokkit, in the same run,",
                "on JDK sources (the JDK's lib/src.zip) and the Brown Corpus (data/brown.jsonl.gz): warm-up, then",
                "alternating repetitions, medians reported with the ratio jllm / jtokkit. Ids are checked equal."})
final class BenchTokenizerCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object (progress goes to stderr).")
    boolean json;

    @Option(names = "--encodings", split = ",", paramLabel = "NAME", defaultValue = "cl100k_base,o200k_base",
            description = "tiktoken encodings (default: ${DEFAULT-VALUE}; also r50k_base, p50k_base).")
    List<String> encodings;

    @Option(names = "--brown", paramLabel = "FILE", description = "Brown Corpus JSON lines (default: data/brown.jsonl.gz found from the working directory).")
    Path brown;

    @Option(names = "--jdk-src", paramLabel = "FILE", description = "JDK sources zip (default: the running JDK's lib/src.zip).")
    Path jdkSrc = TokenizerBench.Options.DEFAULT_JDK_SRC;

    @Option(names = "--warmup", defaultValue = "3", description = "Warm-up passes over each corpus (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--reps", defaultValue = "7", description = "Measured passes per tokenizer (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--quick", description = "One small pass: a smoke test, figures not meaningful.")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        Path b = brown != null ? brown : TokenizerBench.findBrown();
        TokenizerBench.Options o = quick
                ? new TokenizerBench.Options(encodings, jdkSrc, b, 200_000, 1, 1)
                : new TokenizerBench.Options(encodings, jdkSrc, b, 6_000_000, warmup, reps);
        List<TokenizerBench.Result> results = new TokenizerBench(json ? System.err : System.out).run(o);
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode();
            root.put("warmup", o.warmup()).put("reps", o.reps());
            ArrayNode arr = root.putArray("results");
            for (TokenizerBench.Result r : results) {
                arr.addObject().put("encoding", r.encoding()).put("corpus", r.corpus()).put("bytes", r.bytes())
                        .put("tokens", r.tokens()).put("jllm_mbps", r.oursMBps()).put("jtokkit_mbps", r.jtokkitMBps())
                        .put("ratio", r.ratio()).put("same_ids", r.sameIds());
            }
            System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        }
        return results.stream().allMatch(TokenizerBench.Result::sameIds) ? 0 : 1;
    }
}

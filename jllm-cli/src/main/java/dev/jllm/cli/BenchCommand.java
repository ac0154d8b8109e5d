package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.bench.ModelBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jllm bench -m MODEL}: a model's prefill and decode speed; the other targets
 * ({@code kernels}, {@code tokenizer}, {@code model-file}) are subcommands.
 */
@Command(name = "bench",
        header = "Measure speed: a model (-m) or kernels, serving, training, embeddings, tokenizer, index.",
        mixinStandardHelpOptions = true,
        description = {"Measure speed on this machine. With -m: a model's prefill tok/s, decode tok/s, time to first token,",
                "peak RSS and the decode ceiling (memory bandwidth / weight bytes read per token).",
                "Subcommands measure kernels and tokenizers, or write a random-weight model file of a real shape."},
        subcommands = {BenchKernelsCommand.class, BenchTokenizerCommand.class, BenchModelFileCommand.class, BenchEmbedCommand.class, BenchIndexCommand.class, BenchServeCommand.class, BenchTrainCommand.class})
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A llama-architecture .gguf file.")
    Path model;

    @Option(names = "--prompt-len", defaultValue = "512", description = "Prompt tokens to prefill (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--gen", defaultValue = "128", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
    int gen;

    @CommandLine.Mixin
    KvTypeOption kv = new KvTypeOption();

    @Option(names = "--json", description = "Print one JSON object (progress goes to stderr).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (model == null) {
            spec.commandLine().usage(System.out);
            return 0;
        }
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        if (promptLen < 1 || gen < 1) throw new IllegalArgumentException("--prompt-len and --gen must be at least 1");
        ModelBench.Result r = new ModelBench(json ? System.err : System.out).run(model, promptLen, gen, kv.kvType);
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", r.model()).put("weight_type", r.weightType())
                    .put("prompt_tokens", r.promptTokens()).put("gen_tokens", r.genTokens())
                    .put("prefill_tps", r.prefillTps()).put("decode_tps", r.decodeTps()).put("ttft_ms", r.ttftMs())
                    .put("peak_rss_mb", r.peakRssMb()).put("bandwidth_gbps", r.bandwidthGbps())
                    .put("bytes_per_token", r.bytesPerToken()).put("decode_ceiling_tps", r.decodeCeilingTps())
                    .put("kv_type", r.kvType()).put("kv_bytes", r.kvBytes());
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            System.out.printf("ttft %.0f ms, peak RSS %.0f MB, KV cache %s %.1f MB%n", r.ttftMs(), r.peakRssMb(), r.kvType(), r.kvBytes() / 1e6);
        }
        return 0;
    }
}

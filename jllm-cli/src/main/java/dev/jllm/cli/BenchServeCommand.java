package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.serve.ServeBench;
import dev.jllm.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "serve",
        header = "Aggregate decode tok/s and TTFT at 1, 4, 8 and 16 concurrent streams.",
        mixinStandardHelpOptions = true,
        description = {"Measure the server end to end: streaming clients over loopback HTTP at 1, 4, 8 and 16 concurrent",
                "streams (aggregate decode tok/s, output tok/s with prefill, time to first token p50/p99), then the",
                "prefix cache's effect (prompts sharing a long prefix vs unique prompts). --engine drives the batching",
                "engine directly (no HTTP). Files without a vocabulary (jllm bench model-file) are driven with",
                "token-id prompts. Example:",
                "  jllm bench model-file --shape LLAMA_3_2_1B --type Q4_0 --out /tmp/l1b-q4_0.gguf",
                "  jllm bench serve -m /tmp/l1b-q4_0.gguf --json"})
final class BenchServeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A .gguf file (default: jllm's own model).")
    Path model;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,4,8,16", description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
    int[] levels;

    @Option(names = "--prompt-len", defaultValue = "64", description = "Prompt tokens per request (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--gen", defaultValue = "32", description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = "--kv-type", defaultValue = "F16", converter = KvTypeOption.Converter.class,
            description = "KV cache type: F32, F16 or Q8_0 (default: ${DEFAULT-VALUE}).")
    DType kvType;

    @Option(names = "--rounds", defaultValue = "1", description = "Requests each client sends in turn per level (default: ${DEFAULT-VALUE}; raise it for small models).")
    int rounds;

    @Option(names = "--engine", description = "Submit to the batching engine directly instead of over HTTP.")
    boolean engineOnly;

    @Option(names = "--json", description = "Print one JSON object (progress goes to stderr).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (promptLen < 8 || gen < 2) throw new IllegalArgumentException("--prompt-len must be at least 8 and --gen at least 2");
        for (int c : levels) if (c < 1) throw new IllegalArgumentException("concurrency levels must be at least 1, got " + c);
        ServeBench bench = new ServeBench(json ? System.err : System.out);
        ServeBench.Result r = bench.run(DefaultModel.resolve(model), levels, promptLen, gen, rounds,
                ServeCommand.engineConfig(16, 256, promptLen + gen + 16, kvType, 0, 16, 512, true, 2048), engineOnly);
        if (json) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(bench.toJson(r)));
        } else {
            System.out.printf("aggregate decode %d streams vs %d: %.2fx (output with prefill: %.2fx)%n", r.levels().getLast().concurrency(),
                    r.levels().getFirst().concurrency(), r.decodeSpeedup(), r.speedup());
        }
        return 0;
    }
}

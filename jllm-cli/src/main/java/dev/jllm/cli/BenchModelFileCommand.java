package dev.jllm.cli;

import dev.jllm.bench.ModelBench;
import dev.jllm.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "model-file",
        header = "Write a GGUF of a real model's shape with random weights, for speed measurements.",
        mixinStandardHelpOptions = true,
        description = {"Write a llama-architecture GGUF of a real model's shape with random weights, for speed",
                "measurements (speed does not depend on the values). Example:",
                "  jllm bench model-file --shape LLAMA_3_2_1B --type Q8_0 --out /tmp/llama-1b-q8_0.gguf"})
final class BenchModelFileCommand implements Callable<Integer> {
    @Option(names = "--shape", defaultValue = "LLAMA_3_2_1B",
            description = "One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ModelBench.Shape shape;

    @Option(names = "--type", defaultValue = "Q8_0", description = "Weight dtype, e.g. F32, F16, Q8_0, Q4_0, Q4_K, IQ4_NL, IQ4_XS (default: ${DEFAULT-VALUE}).")
    DType type;

    @Option(names = "--out", required = true, description = "Output .gguf path.")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = {"A Hugging Face tokenizer.json (or .json.gz, byte-level BPE)",
            "to embed as tokenizer.ggml.* metadata, so llama.cpp and llama3.java load the file too; its vocabulary",
            "must match the shape's (Llama 3's for LLAMA_3_2_1B)."})
    Path tokenizer;

    @Override
    public Integer call() throws Exception {
        ModelBench.writeModelFile(shape, type, out, tokenizer, System.err);
        System.out.println(out);
        return 0;
    }
}

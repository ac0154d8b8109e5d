package dev.jllm.cli;

import dev.jllm.train.Checkpoint;
import dev.jllm.train.Trainer;
import dev.jllm.train.export.GgufExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jllm export}: a training checkpoint to a GGUF file that jllm (and llama.cpp) can run. */
@Command(name = "export",
        header = "Write a training checkpoint as a GGUF file that llama.cpp and jllm run.",
        mixinStandardHelpOptions = true,
        description = {"Write a training checkpoint as GGUF (general.architecture = llama, llama.cpp tensor names,",
                "the tokenizer and a chat template inside). 1-D tensors stay F32; --type sets the matrices.",
                "Example: jllm export --checkpoint runs/brown-small --gguf models/jllm-brown-small.gguf --type q8_0"})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
            description = "A checkpoint directory (runs/NAME/checkpoints/step-N), or a run directory (its newest checkpoint).")
    Path checkpoint;

    @Option(names = "--gguf", required = true, paramLabel = "OUT", description = "The .gguf file to write.")
    Path gguf;

    @Option(names = "--type", defaultValue = "f32", paramLabel = "TYPE", description = "f32, f16 or q8_0 (default: ${DEFAULT-VALUE}).")
    String type;

    @Override
    public Integer call() throws Exception {
        GgufExport.WeightType t = GgufExport.WeightType.parse(type);
        Path ck = checkpoint;
        if (!Files.isRegularFile(ck.resolve(Checkpoint.STATE))) {
            Path latest = Checkpoint.latest(ck.resolve(Trainer.CHECKPOINTS));
            if (latest == null) {
                throw new IllegalArgumentException("--checkpoint " + checkpoint + ": neither a checkpoint (no " + Checkpoint.STATE
                        + ") nor a run directory with checkpoints/");
            }
            ck = latest;
        }
        GgufExport.Summary s = GgufExport.export(ck, gguf, t);
        System.err.printf("wrote %s: %d tensors, %.2f MB (%s weights) from %s%n", s.file(), s.tensors(), s.bytes() / 1e6, t, ck);
        System.err.printf("try: jllm generate -m %s -p \"The\" -n 40%n", s.file());
        return 0;
    }
}

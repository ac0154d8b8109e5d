package dev.jllm.cli;

import dev.jllm.models.BertExport;
import dev.jllm.models.Encoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jllm convert}: a BERT encoder (ONNX, safetensors or GGUF) to safetensors or GGUF. */
@Command(name = "convert",
        mixinStandardHelpOptions = true,
        description = {
                "Convert a BERT-family encoder between formats with jllm's writers.",
                "--from: 'minilm', an .onnx (config.json + tokenizer.json beside), a .safetensors/HF directory or a bert .gguf.",
                "--to out.safetensors writes config.json and tokenizer.json beside it; --to out.gguf embeds the tokenizer."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--from", paramLabel = "MODEL", required = true, description = "The source model.")
    String from;

    @Option(names = "--to", paramLabel = "FILE", required = true, description = "out.safetensors or out.gguf.")
    Path to;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String n = to.getFileName().toString().toLowerCase();
        if (!n.endsWith(".safetensors") && !n.endsWith(".gguf")) {
            throw new IllegalArgumentException("--to must end in .safetensors or .gguf, got " + to);
        }
        Path parent = to.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Encoder enc = Encoder.open(from, null, true);
        if (enc.tokenizerJson() == null) {
            throw new IllegalArgumentException(from + " carries no tokenizer.json text (a GGUF vocabulary); cannot write one");
        }
        if (n.endsWith(".safetensors")) BertExport.toSafetensors(enc.model(), enc.tokenizerJson(), to);
        else BertExport.toGguf(enc.model(), enc.tokenizerJson(), enc.name(), to);
        spec.commandLine().getErr().println("wrote " + to + " (" + enc.model().config() + ")");
        return 0;
    }
}

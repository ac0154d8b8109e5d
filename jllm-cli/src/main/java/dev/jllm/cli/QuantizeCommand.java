package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.formats.gguf.GgufQuantizer;
import dev.jllm.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code jllm quantize}: llama-quantize for GGUF files, with ggml's own quantizer arithmetic. */
@Command(name = "quantize",
        mixinStandardHelpOptions = true,
        description = {
                "Re-quantize a GGUF model's weight matrices, as llama.cpp's llama-quantize does; the bytes of every block "
                        + "are what ggml's reference quantizers write.",
                "Norms, biases, expert routers and learned position embeddings stay as they are, so do matrices whose rows "
                        + "do not fill the target's blocks; metadata (tokenizer, chat template) is copied.",
                "Example: jllm quantize model-f16.gguf model-q4_k.gguf --type Q4_K --output-type Q6_K"})
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "The GGUF model to read (any dtypes jllm decodes).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The GGUF file to write (replaced if it exists).")
    Path out;

    @Option(names = "--type", required = true, paramLabel = "TYPE", converter = TypeConverter.class,
            description = "Target of the weight matrices: F32, F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, "
                    + "IQ4_NL or IQ4_XS.")
    DType type;

    @Option(names = "--output-type", paramLabel = "TYPE", converter = TypeConverter.class,
            description = "Target of output.weight, the projection to the vocabulary (default: --type; llama.cpp's "
                    + "Q4_K_M keeps it in Q6_K).")
    DType outputType;

    @Option(names = "--json", description = "Print one JSON object with every tensor's plan and the sizes.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(in)) throw new IllegalArgumentException("no such file: " + in);
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        GgufQuantizer.Result r = GgufQuantizer.quantize(in, out, type, outputType, line -> {
            err.println(line);
            err.flush();
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        long converted = r.tensors().stream().filter(GgufQuantizer.TensorPlan::converted).count();
        Map<String, Integer> kept = new TreeMap<>();
        for (var t : r.tensors()) if (!t.converted()) kept.merge(t.keptBecause(), 1, Integer::sum);
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode().put("input", in.toString()).put("output", out.toString())
                    .put("input_bytes", r.inputBytes()).put("output_bytes", r.outputBytes()).put("seconds", seconds);
            ArrayNode ts = root.putArray("tensors");
            for (var t : r.tensors()) {
                ObjectNode n = ts.addObject().put("name", t.name()).put("from", t.from().name()).put("to", t.to().name());
                if (!t.converted()) n.put("kept_because", t.keptBecause());
            }
            o.println(om.writeValueAsString(root));
        } else {
            o.printf(Locale.ROOT, "wrote %s: %d tensors converted to %s%s, %d kept %s; %.1f MB -> %.1f MB in %.1f s%n", out,
                    converted, type, outputType != null && outputType != type ? " (output.weight " + outputType + ")" : "",
                    r.tensors().size() - converted, kept, r.inputBytes() / 1e6, r.outputBytes() / 1e6, seconds);
        }
        o.flush();
        return 0;
    }

    /** A dtype name in any case ("q4_k" or "Q4_K"); anything else names the targets. */
    static final class TypeConverter implements picocli.CommandLine.ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            try {
                DType t = DType.valueOf(value.trim().toUpperCase(Locale.ROOT));
                if (GgufQuantizer.TARGETS.contains(t)) return t;
            } catch (IllegalArgumentException ignored) {
                // fall through to the message below
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a target type; use one of F32, F16, "
                    + "Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS");
        }
    }
}

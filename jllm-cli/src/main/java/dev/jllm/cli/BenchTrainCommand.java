package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.tensor.Parallel;
import dev.jllm.train.TrainBench;
import dev.jllm.train.recipe.RecipeReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code jllm bench train}: training tokens/s (forward + backward + AdamW), next to PyTorch on the same shapes. */
@Command(name = "train",
        header = "Training tokens/s (forward, backward, clip, AdamW) beside PyTorch.",
        mixinStandardHelpOptions = true,
        description = {"Training throughput: tokens/s through forward, backward, gradient clipping and AdamW on random tokens,",
                "for a GPT-2-style size (6 layers, d 384, 6 heads, context 256, vocab 8192, batch 8) and for the brown-small",
                "recipe's model, both on the Llama architecture. When python3 with torch is available, tools/train/torch_bench.py",
                "times PyTorch on the same shapes with torch.set_num_threads(jllm's thread count) and the ratio is printed."})
final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--steps", defaultValue = "4", description = "Timed steps per shape (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--recipe", defaultValue = "brown-small", paramLabel = "FILE|NAME",
            description = "The recipe whose model is the second shape (default: ${DEFAULT-VALUE}).")
    String recipe;

    @Option(names = "--shapes", split = ",", defaultValue = "gpt2-style,recipe", paramLabel = "NAME",
            description = {"Shapes to time, comma-separated: gpt2-style, recipe, gpt2-124m (GPT-2 small's 124M size at batch 4,",
                    "context 256: run it alone to read its peak memory) (default: ${DEFAULT-VALUE})."})
    List<String> shapeNames;

    @Option(names = "--no-torch", description = "Skip the PyTorch comparison.")
    boolean noTorch;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
        List<TrainBench.Shape> shapes = new ArrayList<>();
        for (String name : shapeNames) {
            shapes.add(switch (name.strip()) {
                case "gpt2-style" -> TrainBench.gpt2Style();
                case "recipe" -> TrainBench.of(RecipeReader.read(RecipeReader.resolve(recipe, DefaultModel.home())));
                case "gpt2-124m" -> TrainBench.gpt2Small();
                default -> throw new IllegalArgumentException("unknown shape '" + name + "' (known: gpt2-style, recipe, gpt2-124m)");
            });
        }
        Path script = torchScript();
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("threads", Parallel.threads());
        ArrayNode arr = root.putArray("results");
        if (!json) {
            System.out.printf("training throughput, %d threads, %d timed steps after %d warm-up (fwd + bwd + clip + AdamW)%n",
                    Parallel.threads(), steps, warmup);
            System.out.printf("%-18s %10s %8s %12s %12s %8s %10s %10s%n", "shape", "params", "tok/step", "jllm tok/s", "torch tok/s",
                    "ratio", "heap MB", "RSS MB");
        }
        for (TrainBench.Shape s : shapes) {
            TrainBench.Result r = TrainBench.run(s, warmup, steps);
            JsonNode torch = noTorch || script == null ? null : torch(script, s);
            double torchTps = torch == null ? Double.NaN : torch.path("tokens_per_s").asDouble(Double.NaN);
            ObjectNode o = arr.addObject();
            o.put("shape", s.name()).put("dim", s.dim()).put("layers", s.layers()).put("heads", s.heads()).put("kv_heads", s.kvHeads())
                    .put("ffn", s.ffn()).put("vocab", s.vocab()).put("context", s.context()).put("batch", s.batch())
                    .put("tied_embeddings", s.tiedEmbeddings()).put("parameters", r.parameters())
                    .put("jllm_tokens_per_s", r.tokensPerSecond()).put("jllm_seconds_per_step", r.secondsPerStep())
                    .put("peak_heap_mb", r.peakHeapMb()).put("peak_rss_mb", r.peakRssMb());
            if (torch != null) {
                o.set("torch", torch);
                o.put("ratio_jllm_over_torch", r.tokensPerSecond() / torchTps);
            }
            if (!json) {
                System.out.printf("%-18s %9.2fM %8d %12.0f %12s %8s %10.0f %10.0f%n", s.name(), r.parameters() / 1e6,
                        s.batch() * s.context(), r.tokensPerSecond(), Double.isNaN(torchTps) ? "-" : String.format("%.0f", torchTps),
                        Double.isNaN(torchTps) ? "-" : String.format("%.2f", r.tokensPerSecond() / torchTps), r.peakHeapMb(), r.peakRssMb());
            }
        }
        if (json) System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        else if (script == null && !noTorch) System.out.println("(PyTorch comparison skipped: tools/train/torch_bench.py or python3 not found)");
        return 0;
    }

    private static Path torchScript() {
        for (Path base : new Path[]{Path.of(""), DefaultModel.home()}) {
            if (base == null) continue;
            Path p = base.resolve("tools/train/torch_bench.py");
            if (Files.isRegularFile(p) && Files.isExecutable(Path.of("/usr/bin/python3"))) return p;
        }
        return null;
    }

    /** Runs the PyTorch twin; null (with a note on stderr) when it fails, e.g. torch is missing. */
    private static JsonNode torch(Path script, TrainBench.Shape s) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString(), "--dim", "" + s.dim(), "--layers", "" + s.layers(),
                "--heads", "" + s.heads(), "--kv-heads", "" + s.kvHeads(), "--ffn", "" + s.ffn(), "--vocab", "" + s.vocab(),
                "--context", "" + s.context(), "--batch", "" + s.batch(), "--threads", "" + Parallel.threads()));
        if (!s.tiedEmbeddings()) cmd.add("--untied");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            System.err.println("PyTorch benchmark failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
            p.destroyForcibly();
            return null;
        }
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        return new ObjectMapper().readTree(last);
    }
}

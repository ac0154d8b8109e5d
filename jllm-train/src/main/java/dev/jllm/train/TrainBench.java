package dev.jllm.train;

import dev.jllm.models.Llama;
import dev.jllm.nn.TrainableLM;
import dev.jllm.nn.optim.AdamW;
import dev.jllm.nn.optim.GradClip;
import dev.jllm.train.recipe.Recipe;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Training throughput: tokens per second through a full step (forward, backward, global-norm
 * clip, AdamW update) of a freshly initialized Llama on random tokens, after warm-up steps
 * that let the JIT compile. tools/train/torch_bench.py measures PyTorch on the same shapes.
 */
public final class TrainBench {
    /** A model and batch shape to time. */
    public record Shape(String name, int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context, int batch,
                        boolean tiedEmbeddings) {}

    public record Result(Shape shape, long parameters, int steps, double secondsPerStep, double tokensPerSecond,
                         double peakHeapMb, double peakRssMb) {}

    private TrainBench() {}

    /** GPT-2-style size (6 layers, d 384, 6 heads, context 256, vocab 8192, batch 8) on the Llama architecture. */
    public static Shape gpt2Style() {
        return new Shape("gpt2-style-6x384", 384, 6, 6, 6, 1024, 8192, 256, 8, true);
    }

    /**
     * GPT-2 small's size (124M: d 768, 12 layers, 12 heads, vocab 50257, tied head) on the Llama
     * architecture at batch 4, context 256; a SwiGLU ffn of 2048 has GPT-2's 4d MLP parameter count.
     */
    public static Shape gpt2Small() {
        return new Shape("gpt2-124m", 768, 12, 12, 12, 2048, 50257, 256, 4, true);
    }

    /** The model of a recipe at the recipe's batch and context, with its tokenizer's vocabulary. */
    public static Shape of(Recipe r) {
        Recipe.Model m = r.model;
        int vocab = r.tokenizer.trainVocab > 0 ? r.tokenizer.trainVocab : 32000;
        return new Shape(r.name, m.dim, m.layers, m.heads, m.kvHeadsOrDefault(), m.ffnOrDefault(), vocab, m.context,
                r.training.batch, m.tiedEmbeddings);
    }

    public static Result run(Shape s, int warmup, int steps) {
        Recipe.Model m = new Recipe.Model();
        m.dim = s.dim();
        m.layers = s.layers();
        m.heads = s.heads();
        m.kvHeads = s.kvHeads();
        m.ffn = s.ffn();
        m.context = s.context();
        Llama model = Llama.init(TrainingRun.modelConfig(m, s.vocab()), 1, s.tiedEmbeddings());
        AdamW opt = new AdamW(model.parameters(), AdamW.Config.llm());
        SplittableRandom rnd = new SplittableRandom(7);
        int n = s.batch() * s.context();
        int[] in = new int[n], tg = new int[n];
        for (int i = 0; i < n; i++) {
            in[i] = rnd.nextInt(s.vocab());
            tg[i] = rnd.nextInt(s.vocab());
        }
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        for (int i = 0; i < warmup; i++) step(model, opt, in, tg, s);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) step(model, opt, in, tg, s);
        double secs = (System.nanoTime() - t0) / 1e9 / steps;
        long peakHeap = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) peakHeap += p.getPeakUsage().getUsed();
        }
        return new Result(s, TrainingRun.parameterCount(model), steps, secs, n / secs, peakHeap / 1048576.0, peakRssMb());
    }

    private static void step(Llama model, AdamW opt, int[] in, int[] tg, Shape s) {
        opt.zeroGrad();
        TrainableLM.StepLoss l = model.step(in, tg, null, s.batch(), s.context(), 1f);
        if (!Double.isFinite(l.loss())) throw new IllegalStateException("benchmark loss is " + l.loss());
        GradClip.clipGlobalNorm(model.parameters(), 1.0);
        opt.step(1e-4);
    }

    /** Peak resident set size (VmHWM) of this process in MB, or -1 where /proc is missing. */
    public static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}

package dev.jllm.cli;

import dev.jllm.tensor.Parallel;
import dev.jllm.train.MetricsLog;
import dev.jllm.train.ProgressLine;
import dev.jllm.train.Trainer;
import dev.jllm.train.TrainingRun;
import dev.jllm.train.recipe.Recipe;
import dev.jllm.train.recipe.RecipeReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code jllm train}: pretrain a model from a YAML recipe, with checkpoints, metrics and exact resume. */
@Command(name = "train",
        header = "Pretrain a language model from a YAML recipe.",
        mixinStandardHelpOptions = true,
        description = {"Pretrain a language model from a recipe (YAML: model, tokenizer, data, optimizer, schedule, training).",
                "The run directory gets recipe.yaml, the tokenizer, token shards (data/), checkpoints/, metrics.jsonl,",
                "metrics.csv and loss.png. Ctrl-C writes a checkpoint before exiting; --resume continues exactly.",
                "Example: jllm train --recipe tiny-test   then   jllm export --checkpoint runs/tiny-test --gguf tiny.gguf"})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--recipe", required = true, paramLabel = "FILE|NAME",
            description = "A recipe file, or a name in recipes/ (e.g. tiny-test, brown-small).")
    String recipe;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<recipe name>).")
    Path out;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in the run directory.")
    boolean resume;

    @Option(names = "--steps", paramLabel = "N", description = "Override training.steps (the schedule follows it).")
    Long steps;

    @Option(names = "--no-progress", description = "Plain periodic lines even on a terminal.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        Path file = RecipeReader.resolve(recipe, DefaultModel.home());
        Recipe r = RecipeReader.read(file);
        if (steps != null) {
            r.training.steps = steps;
            try {
                r.validate();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--steps " + steps + ": " + e.getMessage(), e);
            }
        }
        Path runDir = out != null ? out : Path.of("runs", r.name);
        Path base = projectRoot(file);
        err.printf("recipe %s -> %s (%d threads)%n", file, runDir, Parallel.threads());
        ProgressLine progress = new ProgressLine(err, !noProgress && ProgressLine.terminalAttached());
        try (TrainingRun run = TrainingRun.open(r, base, runDir, resume, err, progress)) {
            Trainer trainer = run.trainer();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                trainer.requestStop();
                try {
                    done.await(120, TimeUnit.SECONDS); // let the loop write its checkpoint
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "jllm-train-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Trainer.Result res;
            try {
                res = run.run();
            } finally {
                done.countDown();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                err.println("stopped at step " + res.finalStep() + "; continue with --resume");
                return 130;
            }
            summarize(err, res, runDir, r);
        }
        return 0;
    }

    private static void summarize(PrintStream err, Trainer.Result res, Path runDir, Recipe r) {
        if (!res.steps().isEmpty()) {
            err.printf("trained %d steps in %.1f s: %.0f tokens/s, last train loss %.4f%n", res.steps().size(), res.trainSeconds(),
                    res.tokensPerSecond(), res.steps().getLast().loss());
        }
        if (!res.evaluations().isEmpty()) {
            MetricsLog.Point v = res.evaluations().getLast();
            err.printf("validation loss %.4f, perplexity %.2f at step %d%n", v.loss(), Math.exp(v.loss()), v.step());
        }
        err.printf("run directory %s: %s, %s, loss.png, checkpoints/%n", runDir, MetricsLog.JSONL, MetricsLog.CSV);
        if (res.finalStep() >= r.training.steps) {
            err.printf("export: jllm export --checkpoint %s --gguf %s.gguf%n", runDir, r.name);
        } else {
            err.printf("stopped at step %d of %d; continue with: jllm train --recipe %s --out %s --resume%n",
                    res.finalStep(), r.training.steps, r.name, runDir);
        }
    }

    /** Relative data paths in a recipe under recipes/ refer to the project that holds recipes/. */
    private static Path projectRoot(Path recipeFile) {
        Path dir = recipeFile.toAbsolutePath().getParent();
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("recipes") && dir.getParent() != null) {
            return dir.getParent();
        }
        Path home = DefaultModel.home();
        return dir != null ? dir : home;
    }

}

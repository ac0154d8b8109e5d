package dev.jllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.models.Llama;
import dev.jllm.nn.optim.Optimizer;
import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;
import dev.jllm.train.data.Batch;
import dev.jllm.train.data.PackedBatches;
import dev.jllm.train.data.ValidationBatches;
import dev.jllm.train.recipe.Recipe;
import dev.jllm.train.recipe.RecipeReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A recipe made runnable in a run directory: prepared data, a freshly initialized (or
 * restored) model, its optimizer and schedule, and the {@link Trainer} over them. The run
 * directory holds {@code recipe.yaml}, the tokenizer, {@code data/}, {@code checkpoints/},
 * {@code metrics.jsonl}, {@code metrics.csv} and {@code loss.png}.
 */
public final class TrainingRun implements AutoCloseable {
    public static final String RECIPE = "recipe.yaml";

    private final Recipe recipe;
    private final RunData data;
    private final Llama model;
    private final Trainer trainer;

    private TrainingRun(Recipe recipe, RunData data, Llama model, Trainer trainer) {
        this.recipe = recipe;
        this.data = data;
        this.model = model;
        this.trainer = trainer;
    }

    /**
     * @param base   where relative data/tokenizer paths are looked up when not found as given
     * @param resume continue from the newest checkpoint in {@code runDir} (which must exist)
     */
    public static TrainingRun open(Recipe recipe, Path base, Path runDir, boolean resume, PrintStream log, ProgressLine progress)
            throws IOException {
        recipe.validate();
        Files.createDirectories(runDir);
        Path ckpts = runDir.resolve(Trainer.CHECKPOINTS);
        Path latest = Checkpoint.latest(ckpts);
        if (resume) {
            if (latest == null) throw new IOException(runDir + ": no checkpoint to resume from (run without --resume to start)");
            Path saved = runDir.resolve(RECIPE);
            if (Files.isRegularFile(saved)) requireSameRun(RecipeReader.read(saved), recipe, saved);
        } else if (latest != null) {
            throw new IOException(runDir + " already holds checkpoints (" + latest.getFileName()
                    + "); pass --resume to continue it, or choose another --out directory");
        }
        Files.writeString(runDir.resolve(RECIPE), RecipeReader.toYaml(recipe));
        RunData data = RunData.prepare(recipe, base, runDir, log);
        try {
            Llama model = Llama.init(modelConfig(recipe.model, data.tokenizer().vocabSize()), recipe.seed, recipe.model.tiedEmbeddings);
            Optimizer opt = Optimizers.create(recipe.optimizer, recipe.training.precision, model.parameters());
            int ctx = recipe.model.context;
            PackedBatches train = new PackedBatches(data.train(), data.eos(), recipe.training.batch, ctx, recipe.seed);
            List<Batch> val = data.validation() == null ? List.of()
                    : ValidationBatches.of(data.validation(), data.eos(), recipe.training.batch, ctx, recipe.data.valTokens);
            Recipe.Training t = recipe.training;
            Trainer.Settings settings = new Trainer.Settings(t.steps, t.accumulation, t.gradClip, t.evalInterval,
                    t.checkpointInterval, t.keepCheckpoints, t.logInterval, recipe.data.docMasking, recipe.seed);
            ObjectNode info = Checkpoint.JSON.createObjectNode();
            info.set("recipe", RecipeReader.toTree(recipe));
            info.put("tokenizer_file", data.tokenizerFile().getFileName().toString());
            info.put("vocab_size", data.tokenizer().vocabSize());
            info.put("eos_id", data.eos());
            Trainer trainer = new Trainer(model, opt, Optimizers.schedule(recipe.schedule, recipe.optimizer.lr, t.steps), train, val,
                    settings, runDir, info, List.of(data.tokenizerFile()), progress, recipe.name + " (" + parameterCount(model) + " parameters)");
            long params = parameterCount(model);
            log.printf("model: llama, %,d parameters (dim %d, %d layers, %d heads, %d kv heads, ffn %d, context %d, vocab %,d%s)%n",
                    params, recipe.model.dim, recipe.model.layers, recipe.model.heads, recipe.model.kvHeadsOrDefault(),
                    recipe.model.ffnOrDefault(), ctx, data.tokenizer().vocabSize(), recipe.model.tiedEmbeddings ? ", tied embeddings" : "");
            log.printf("training: %d steps of %,d tokens (batch %d x context %d x accumulation %d), %s lr %.3g, %s schedule%n",
                    t.steps, recipe.tokensPerStep(), t.batch, ctx, t.accumulation, recipe.optimizer.name, recipe.optimizer.lr, recipe.schedule.type);
            if (resume) {
                trainer.resume(latest);
                log.println("resumed from " + latest + " at step " + trainer.step());
            }
            return new TrainingRun(recipe, data, model, trainer);
        } catch (IOException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    /** The Llama hyper-parameters of a recipe's model section. */
    public static Llama.Config modelConfig(Recipe.Model m, int vocab) {
        int headDim = m.dim / m.heads;
        return new Llama.Config("llama", m.dim, m.layers, m.heads, m.kvHeadsOrDefault(), headDim, m.ffnOrDefault(), vocab,
                m.context, (float) m.normEps, RopeFrequencies.plain(headDim, m.ropeTheta), Rope.Pairing.ADJACENT, 0);
    }

    public static long parameterCount(Llama model) {
        long n = 0;
        for (var p : model.parameters()) n += p.numel();
        return n;
    }

    /** A resumed run may change only the step budget and intervals; anything that shapes the weights must match. */
    private static void requireSameRun(Recipe saved, Recipe given, Path savedPath) {
        JsonNode a = RecipeReader.toTree(saved), b = RecipeReader.toTree(given);
        for (String section : List.of("seed", "model", "tokenizer", "data", "optimizer")) {
            if (!a.path(section).equals(b.path(section))) {
                throw new IllegalArgumentException("--resume: the recipe's '" + section + "' differs from the run's " + savedPath
                        + " (was " + a.path(section) + ", now " + b.path(section) + ")");
            }
        }
        if (!a.path("training").path("batch").equals(b.path("training").path("batch"))) {
            throw new IllegalArgumentException("--resume: training.batch differs from the run's " + savedPath);
        }
    }

    public Trainer.Result run() throws IOException { return trainer.run(Long.MAX_VALUE); }

    public Trainer trainer() { return trainer; }
    public Llama model() { return model; }
    public RunData data() { return data; }
    public Recipe recipe() { return recipe; }

    @Override
    public void close() { data.close(); }
}

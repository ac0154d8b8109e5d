package dev.jllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.nn.Parameter;
import dev.jllm.nn.TrainableLM;
import dev.jllm.nn.optim.GradClip;
import dev.jllm.nn.optim.LrSchedule;
import dev.jllm.nn.optim.Optimizer;
import dev.jllm.train.data.Batch;
import dev.jllm.train.data.PackedBatches;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The training loop over any {@link TrainableLM}: for each optimizer step, {@code accumulation}
 * micro-batches each add {@code 1/accumulation} of their mean-loss gradient; then global-norm
 * clipping, the scheduled learning rate and one optimizer update. Every {@code evalInterval}
 * steps it scores the validation batches; every {@code checkpointInterval} steps (and at the
 * end, or when asked to stop) it writes a {@link Checkpoint}.
 *
 * <p>Resuming restores weights, optimizer buffers, the step and the data position; since the
 * shuffle is a function of (seed, epoch) and every reduction has a fixed order, a resumed run
 * continues bit for bit as if it had not stopped.
 */
public final class Trainer {
    /** How the loop runs; see the recipe's {@code training} section. */
    public record Settings(long totalSteps, int accumulation, double gradClip, long evalInterval, long checkpointInterval,
                           int keepCheckpoints, long logInterval, boolean docMasking, long seed) {
        public Settings {
            if (totalSteps < 1 || accumulation < 1 || keepCheckpoints < 1 || logInterval < 1) {
                throw new IllegalArgumentException("bad trainer settings: " + this);
            }
        }
    }

    /** One optimizer step: mean training loss over its micro-batches, the rate used, the gradient norm before clipping. */
    public record StepRecord(long step, double loss, double lr, double gradNorm) {}

    /** What a call to {@link #run} did. */
    public record Result(List<StepRecord> steps, List<MetricsLog.Point> evaluations, long finalStep, Path lastCheckpoint,
                         double trainSeconds, long trainTokens) {
        public double tokensPerSecond() { return trainTokens / Math.max(1e-9, trainSeconds); }
    }

    public static final String CHECKPOINTS = "checkpoints";

    private final TrainableLM model;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final PackedBatches train;
    private final List<Batch> validation;
    private final Settings s;
    private final Path runDir;
    private final ObjectNode runInfo;
    private final List<Path> extraFiles;
    private final ProgressLine progress;
    private final String title;
    private MetricsLog metrics;
    private long step;
    private long tokensSeen;
    private volatile boolean stopRequested;

    /**
     * @param runInfo    saved into every checkpoint's state under "run" (the recipe, tokenizer facts)
     * @param extraFiles copied into every checkpoint (the tokenizer)
     */
    public Trainer(TrainableLM model, Optimizer optimizer, LrSchedule schedule, PackedBatches train, List<Batch> validation,
                   Settings settings, Path runDir, ObjectNode runInfo, List<Path> extraFiles, ProgressLine progress, String title)
            throws IOException {
        this.model = Objects.requireNonNull(model);
        this.optimizer = Objects.requireNonNull(optimizer);
        this.schedule = Objects.requireNonNull(schedule);
        this.train = Objects.requireNonNull(train);
        this.validation = List.copyOf(validation);
        this.s = settings;
        this.runDir = runDir;
        this.runInfo = runInfo == null ? Checkpoint.JSON.createObjectNode() : runInfo;
        this.extraFiles = List.copyOf(extraFiles);
        this.progress = progress == null ? new ProgressLine(System.err, false) : progress;
        this.title = title == null ? "training loss" : title;
        if (!optimizer.parameters().equals(model.parameters())) {
            throw new IllegalArgumentException("the optimizer must update exactly the model's parameters, in order");
        }
    }

    public long step() { return step; }
    public Path checkpointDir() { return runDir.resolve(CHECKPOINTS); }

    /** Asks the loop to checkpoint and return after the current step (e.g. from a shutdown hook). */
    public void requestStop() { stopRequested = true; }

    /** Restores a checkpoint written by this trainer's configuration. */
    public void resume(Path checkpoint) throws IOException {
        ObjectNode state = Checkpoint.readState(checkpoint);
        long seed = state.path("rng").path("shuffle_seed").asLong(Long.MIN_VALUE);
        if (seed != s.seed()) {
            throw new IOException("checkpoint " + checkpoint + " was trained with seed " + seed + ", the recipe says " + s.seed());
        }
        Checkpoint.loadModel(checkpoint, model.parameters());
        Checkpoint.loadOptimizer(checkpoint, optimizer);
        long st = state.path("step").asLong();
        if (optimizer.stepCount() != st) {
            throw new IOException("checkpoint " + checkpoint + ": optimizer has taken " + optimizer.stepCount() + " steps, trainer state says " + st);
        }
        JsonNode data = state.path("data");
        try {
            train.seek(new PackedBatches.Position(data.path("epoch").asInt(-1), data.path("offset").asLong(-1)));
        } catch (IllegalArgumentException e) {
            throw new IOException("checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
        step = st;
        tokensSeen = state.path("tokens_seen").asLong();
        metrics = MetricsLog.resume(runDir, step);
    }

    private MetricsLog metrics() throws IOException {
        if (metrics == null) metrics = MetricsLog.create(runDir);
        return metrics;
    }

    /** Trains until step {@code min(stopAt, totalSteps)} (or a stop request), checkpointing at the end. */
    public Result run(long stopAt) throws IOException {
        long end = Math.min(stopAt, s.totalSteps());
        List<StepRecord> records = new ArrayList<>();
        List<MetricsLog.Point> evals = new ArrayList<>();
        List<Parameter> params = model.parameters();
        long tokensPerStep = 0;
        double trainSeconds = 0;
        long trainTokens = 0;
        Path last = null;
        if (step == 0 && s.evalInterval() > 0 && !validation.isEmpty() && end > 0) evals.add(evaluate());
        while (step < end && !stopRequested) {
            long t0 = System.nanoTime();
            optimizer.zeroGrad();
            double loss = 0;
            float scale = 1f / s.accumulation();
            for (int m = 0; m < s.accumulation(); m++) {
                Batch b = train.next();
                TrainableLM.StepLoss sl = model.step(b.inputs(), b.targets(), s.docMasking() ? b.docIds() : null,
                        b.rows(), b.seqLen(), scale);
                loss += sl.loss() / s.accumulation();
                tokensPerStep = (long) b.rows() * b.seqLen() * s.accumulation();
            }
            double norm = s.gradClip() > 0 ? GradClip.clipGlobalNorm(params, s.gradClip()) : GradClip.globalNorm(params);
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                throw new IllegalStateException("step " + (step + 1) + ": the loss is " + loss + " and the gradient norm " + norm
                        + "; training diverged (lower optimizer.lr, raise schedule.warmup, or enable training.grad_clip)");
            }
            double lr = schedule.lr(step);
            optimizer.step(lr);
            step++;
            tokensSeen += tokensPerStep;
            double secs = (System.nanoTime() - t0) / 1e9;
            trainSeconds += secs;
            trainTokens += tokensPerStep;
            records.add(new StepRecord(step, loss, lr, norm));
            double tps = trainTokens / trainSeconds;
            double eta = (s.totalSteps() - step) * (trainSeconds / records.size());
            // Logged on fixed steps (not "where this session stopped"), so a resumed run logs what a straight one does.
            boolean logNow = step % s.logInterval() == 0 || step == s.totalSteps();
            progress.step(step, s.totalSteps(), loss, lr, tps, eta, logNow);
            if (logNow) metrics().add(new MetricsLog.Point("train", step, loss, lr, norm, tokensSeen, tps, trainSeconds));
            boolean evalNow = s.evalInterval() > 0 && !validation.isEmpty() && (step % s.evalInterval() == 0 || step == s.totalSteps());
            if (evalNow) evals.add(evaluate());
            boolean ckptNow = (s.checkpointInterval() > 0 && step % s.checkpointInterval() == 0) || step == end || stopRequested;
            if (ckptNow) last = saveCheckpoint();
        }
        if (last == null && step > 0 && records.isEmpty()) last = Checkpoint.latest(checkpointDir());
        progress.finish();
        plot();
        return new Result(records, evals, step, last, trainSeconds, trainTokens);
    }

    /** Token-weighted mean loss over the validation batches; logs it and redraws the plot. */
    public MetricsLog.Point evaluate() throws IOException {
        double sum = 0;
        long n = 0;
        for (Batch b : validation) {
            TrainableLM.StepLoss sl = model.step(b.inputs(), b.targets(), s.docMasking() ? b.docIds() : null, b.rows(), b.seqLen(), 0f);
            sum += sl.loss() * sl.tokens();
            n += sl.tokens();
        }
        double loss = n == 0 ? Double.NaN : sum / n;
        MetricsLog.Point p = new MetricsLog.Point("val", step, loss, Double.NaN, Double.NaN, tokensSeen, Double.NaN, Double.NaN);
        metrics().add(p);
        progress.message(String.format(java.util.Locale.ROOT, "step %d: validation loss %.4f, perplexity %.2f (%d tokens)",
                step, loss, Math.exp(loss), n));
        plot();
        return p;
    }

    private Path saveCheckpoint() throws IOException {
        ObjectNode state = Checkpoint.JSON.createObjectNode();
        state.put("step", step);
        state.put("tokens_seen", tokensSeen);
        PackedBatches.Position pos = train.position();
        state.putObject("data").put("epoch", pos.epoch()).put("offset", pos.offset());
        // The only randomness is the per-epoch document shuffle, a pure function of these two.
        state.putObject("rng").put("shuffle_seed", s.seed()).put("shuffle_epoch", pos.epoch());
        state.put("optimizer", optimizer.kind());
        state.set("run", runInfo.deepCopy());
        Path dir = Checkpoint.save(checkpointDir(), step, model.parameters(), optimizer, state, extraFiles);
        Checkpoint.prune(checkpointDir(), s.keepCheckpoints());
        progress.message("step " + step + ": checkpoint " + runDir.relativize(dir));
        return dir;
    }

    private void plot() {
        try {
            LossPlot.write(runDir.resolve(LossPlot.FILE), title, metrics().points());
        } catch (IOException | RuntimeException | LinkageError e) {
            // A plot is a convenience: a headless JVM without fonts must not stop training.
            progress.message("note: could not draw " + LossPlot.FILE + ": " + e);
        }
    }
}

package dev.jllm.train;

import dev.jllm.nn.optim.AdamW;
import dev.jllm.nn.optim.LrSchedule;
import dev.jllm.train.data.Batch;
import dev.jllm.train.data.PackedBatches;
import dev.jllm.train.data.TokenDataset;
import dev.jllm.train.data.TokenShardWriter;
import dev.jllm.train.data.ValidationBatches;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerResumeTest {
    static final int VOCAB = 24, STEPS = 24;
    @TempDir Path tmp;

    /** Documents from a noisy cycle, so a bigram model has something to learn. */
    private TokenDataset dataset(Path dir, String prefix, int docs, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        TokenShardWriter w = new TokenShardWriter(dir, prefix, VOCAB, 1 << 20);
        for (int d = 0; d < docs; d++) {
            int[] t = new int[20 + r.nextInt(30)];
            t[0] = 1 + r.nextInt(VOCAB - 1);
            for (int i = 1; i < t.length; i++) t[i] = r.nextInt(10) == 0 ? 1 + r.nextInt(VOCAB - 1) : 1 + t[i - 1] % (VOCAB - 1);
            w.add(t);
        }
        w.finish();
        return TokenDataset.open(dir, prefix);
    }

    private record Run(BigramLM model, Trainer trainer) {}

    private Run open(Path runDir, TokenDataset train, TokenDataset val) throws IOException {
        BigramLM m = new BigramLM(VOCAB, 3);
        AdamW opt = new AdamW(m.parameters(), new AdamW.Config(0.9, 0.95, 1e-8, 0.1));
        PackedBatches batches = new PackedBatches(train, 0, 3, 16, 77);
        List<Batch> v = ValidationBatches.of(val, 0, 4, 16, 200);
        Trainer.Settings s = new Trainer.Settings(STEPS, 2, 0.5, 6, 5, 2, 4, true, 77);
        Trainer t = new Trainer(m, opt, LrSchedule.warmupCosine(0.05, 0.005, 4, STEPS), batches, v, s, runDir, null, List.of(),
                new ProgressLine(new PrintStream(new ByteArrayOutputStream()), false), "test");
        return new Run(m, t);
    }

    @Test
    void resumingContinuesBitForBit() throws IOException {
        try (TokenDataset train = dataset(tmp.resolve("data"), "train", 30, 1);
             TokenDataset val = dataset(tmp.resolve("data"), "val", 4, 2)) {
            Run straight = open(tmp.resolve("straight"), train, val);
            Trainer.Result all = straight.trainer().run(Long.MAX_VALUE);
            assertThat(all.steps()).hasSize(STEPS);
            assertThat(all.steps().getLast().loss()).isLessThan(all.steps().getFirst().loss() - 0.5);

            Run first = open(tmp.resolve("split"), train, val);
            Trainer.Result a = first.trainer().run(STEPS / 2 + 1); // stop off the checkpoint interval
            assertThat(a.finalStep()).isEqualTo(STEPS / 2 + 1);
            Run second = open(tmp.resolve("split"), train, val);
            second.trainer().resume(Checkpoint.latest(second.trainer().checkpointDir()));
            assertThat(second.trainer().step()).isEqualTo(STEPS / 2 + 1);
            Trainer.Result b = second.trainer().run(Long.MAX_VALUE);

            List<Double> resumed = new ArrayList<>();
            a.steps().forEach(r -> resumed.add(r.loss()));
            b.steps().forEach(r -> resumed.add(r.loss()));
            List<Double> continuous = all.steps().stream().map(Trainer.StepRecord::loss).toList();
            assertThat(resumed).isEqualTo(continuous); // exact doubles
            assertThat(second.model().table.data()).isEqualTo(straight.model().table.data());
            assertThat(second.model().bias.data()).isEqualTo(straight.model().bias.data());

            // Metrics files read as one run: each logged step appears once.
            List<String> lines = Files.readAllLines(tmp.resolve("split").resolve(MetricsLog.JSONL));
            List<String> straightLines = Files.readAllLines(tmp.resolve("straight").resolve(MetricsLog.JSONL));
            assertThat(lines.stream().map(l -> l.replaceAll(",\"tokens_per_s.*", "")).toList())
                    .isEqualTo(straightLines.stream().map(l -> l.replaceAll(",\"tokens_per_s.*", "")).toList());
            assertThat(Files.readAllLines(tmp.resolve("split").resolve(MetricsLog.CSV)).getFirst()).isEqualTo(MetricsLog.CSV_HEADER);
            assertThat(tmp.resolve("split").resolve(LossPlot.FILE)).isNotEmptyFile();
            // keep_checkpoints = 2
            assertThat(Checkpoint.list(second.trainer().checkpointDir())).hasSize(2);
        }
    }

    @Test
    void corruptOrIncompleteCheckpointsAreRejected() throws IOException {
        try (TokenDataset train = dataset(tmp.resolve("data"), "train", 10, 1);
             TokenDataset val = dataset(tmp.resolve("data"), "val", 2, 2)) {
            Run r = open(tmp.resolve("run"), train, val);
            r.trainer().run(5);
            Path ck = Checkpoint.latest(r.trainer().checkpointDir());
            assertThat(ck.getFileName().toString()).isEqualTo("step-0000005");
            assertThat(ck.resolve(Checkpoint.MODEL)).exists();
            assertThat(ck.resolve(Checkpoint.OPTIMIZER)).exists();

            Path model = ck.resolve(Checkpoint.MODEL);
            byte[] bytes = Files.readAllBytes(model);
            bytes[bytes.length - 1] ^= 1;
            Files.write(model, bytes);
            Run other = open(tmp.resolve("run"), train, val);
            assertThatThrownBy(() -> other.trainer().resume(ck)).hasMessageContaining("model.safetensors is corrupt");

            Files.delete(ck.resolve(Checkpoint.STATE));
            assertThatThrownBy(() -> other.trainer().resume(ck)).hasMessageContaining("incomplete: no trainer_state.json");
            assertThatThrownBy(() -> other.trainer().resume(tmp.resolve("nowhere"))).hasMessageContaining("does not exist");
        }
    }
}

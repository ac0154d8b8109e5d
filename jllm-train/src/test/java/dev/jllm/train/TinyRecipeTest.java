package dev.jllm.train;

import dev.jllm.train.recipe.Recipe;
import dev.jllm.train.recipe.RecipeReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** recipes/tiny-test.yaml end to end: data preparation, a Llama trained for 60 steps, loss falls. */
class TinyRecipeTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    @TempDir Path tmp;

    @Test
    void lossFallsAndTheRunDirectoryHasEverything() throws IOException {
        Recipe r = RecipeReader.read(ROOT.resolve("recipes/tiny-test.yaml"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(log, true);
        Trainer.Result res;
        try (TrainingRun run = TrainingRun.open(r, ROOT, tmp, false, ps, new ProgressLine(ps, false))) {
            res = run.run();
        }
        System.out.println(log);
        assertThat(res.steps()).hasSize(60);
        double first = res.steps().getFirst().loss();
        double last = res.steps().getLast().loss();
        assertThat(first).isBetween(Math.log(512) - 0.3, Math.log(512) + 0.3); // uniform at initialization
        assertThat(last).isLessThan(first - 0.7);
        assertThat(res.evaluations().getLast().loss()).isLessThan(res.evaluations().getFirst().loss() - 0.5);
        for (String f : new String[]{"recipe.yaml", "tokenizer.json", "data/dataset.json", "data/train-00000.bin",
                "data/val-00000.bin", "metrics.jsonl", "metrics.csv", "loss.png", "checkpoints/latest",
                "checkpoints/step-0000060/model.safetensors", "checkpoints/step-0000060/tokenizer.json"}) {
            assertThat(tmp.resolve(f)).as(f).exists();
        }
    }

    @Test
    void bf16PrecisionTrainsAndSavesBf16RoundedWeights() throws IOException {
        Recipe r = RecipeReader.read(ROOT.resolve("recipes/tiny-test.yaml"));
        r.training.precision = "bf16";
        r.training.steps = 30;
        r.training.checkpointInterval = 30;
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true);
        Trainer.Result res;
        try (TrainingRun run = TrainingRun.open(r.validate(), ROOT, tmp, false, quiet, new ProgressLine(quiet, false))) {
            res = run.run();
        }
        assertThat(res.steps().getLast().loss()).isLessThan(res.steps().getFirst().loss() - 0.5);
        try (var st = dev.jllm.formats.safetensors.SafetensorsFile.open(tmp.resolve("checkpoints/step-0000030/model.safetensors"))) {
            int checked = 0;
            for (String name : st.infos().keySet()) {
                float[] values = st.tensor(name).toFloatArray();
                for (int i = 0; i < Math.min(values.length, 256); i++, checked++) {
                    float v = values[i];
                    assertThat(Float.floatToRawIntBits(v) & 0xffff).as("%s[%d] = %s is not a bfloat16", name, i, v).isZero();
                }
            }
            assertThat(checked).isGreaterThan(1000);
        }
    }

    @Test
    void anUnknownPrecisionIsNamed() throws IOException {
        Recipe r = RecipeReader.read(ROOT.resolve("recipes/tiny-test.yaml"));
        r.training.precision = "fp8";
        org.assertj.core.api.Assertions.assertThatThrownBy(r::validate)
                .hasMessageContaining("training.precision: 'fp8' is not known (known: f32, bf16)");
    }
}

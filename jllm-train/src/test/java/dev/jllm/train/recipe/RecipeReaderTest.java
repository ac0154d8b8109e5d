package dev.jllm.train.recipe;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecipeReaderTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String OK = """
            name: t
            model: {dim: 64, layers: 2, heads: 4}
            tokenizer: {train_vocab: 300}
            data: {path: corpus.jsonl}
            training: {steps: 10}
            schedule: {warmup: 2}
            """;

    @Test
    void shippedRecipesParse() throws Exception {
        Recipe tiny = RecipeReader.read(ROOT.resolve("recipes/tiny-test.yaml"));
        assertThat(tiny.model.kvHeads).isEqualTo(2);
        assertThat(tiny.data.maxDocs).isEqualTo(4);
        assertThat(tiny.tokensPerStep()).isEqualTo(4 * 64);
        Recipe brown = RecipeReader.read(ROOT.resolve("recipes/brown-small.yaml"));
        assertThat(brown.model.ffnOrDefault()).isEqualTo(704);
        assertThat(brown.tokenizer.trainVocab).isEqualTo(4096);
        assertThat(RecipeReader.resolve("tiny-test", ROOT)).isEqualTo(ROOT.resolve("recipes/tiny-test.yaml"));
    }

    @Test
    void defaultsFillTheRest() {
        Recipe r = RecipeReader.parse(OK, "ok.yaml");
        assertThat(r.model.kvHeadsOrDefault()).isEqualTo(4);
        assertThat(r.model.ffnOrDefault()).isEqualTo(192); // 8/3 * 64 = 170.7, up to a multiple of 32
        assertThat(r.optimizer.name).isEqualTo("adamw");
        assertThat(RecipeReader.parse(RecipeReader.toYaml(r), "round-trip").model.dim).isEqualTo(64);
    }

    @Test
    void unknownFieldsNameThePathAndLine() {
        assertThatThrownBy(() -> RecipeReader.parse(OK.replace("layers: 2", "layers: 2, dimm: 3"), "bad.yaml"))
                .hasMessageContaining("bad.yaml: unknown field 'model.dimm'")
                .hasMessageContaining("line 2")
                .hasMessageContaining("kv_heads");
        assertThatThrownBy(() -> RecipeReader.parse(OK + "extra: 1\n", "bad.yaml")).hasMessageContaining("unknown field 'extra'");
    }

    @Test
    void impossibleConfigsAreNamed() {
        assertThatThrownBy(() -> RecipeReader.parse(OK.replace("heads: 4", "heads: 5"), "r.yaml"))
                .hasMessageContaining("model.heads (5) must divide model.dim (64)");
        assertThatThrownBy(() -> RecipeReader.parse(OK.replace("heads: 4", "heads: 4, kv_heads: 3"), "r.yaml"))
                .hasMessageContaining("model.kv_heads (3) must divide model.heads (4)");
        assertThatThrownBy(() -> RecipeReader.parse(OK.replace("steps: 10", "steps: 1"), "r.yaml"))
                .hasMessageContaining("schedule.warmup (2) exceeds training.steps (1)");
        assertThatThrownBy(() -> RecipeReader.parse(OK.replace("train_vocab: 300", "train_vocab: 300, path: x.json"), "r.yaml"))
                .hasMessageContaining("exactly one of 'path' or 'train_vocab'");
        assertThatThrownBy(() -> RecipeReader.parse(OK + "optimizer: {name: adam}\n", "r.yaml"))
                .hasMessageContaining("optimizer.name: 'adam' is not known");
        assertThatThrownBy(() -> RecipeReader.parse(OK.replace("dim: 64", "dim: lots"), "r.yaml"))
                .hasMessageContaining("field 'model.dim'").hasMessageContaining("expected an integer");
        assertThatThrownBy(() -> RecipeReader.parse("", "empty.yaml")).hasMessageContaining("empty");
    }
}

package dev.jllm.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.WeightFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A tiny random BertForSequenceClassification (bert.* names, config.json) against the PyTorch
 * reference in tools/encoders/make_cross_encoder.py: pair batches of different lengths with
 * token types; hidden states and classifier logits.
 */
class BertCrossEncoderTest {
    @TempDir Path dir;

    private Path fixture() throws Exception {
        for (String n : new String[]{"model.safetensors", "config.json"}) {
            try (InputStream in = getClass().getResourceAsStream("/encoders/cross/" + n)) {
                Files.copy(in, dir.resolve(n));
            }
        }
        return dir;
    }

    private static List<int[]> ints(JsonNode a) {
        List<int[]> out = new ArrayList<>();
        for (JsonNode row : a) {
            int[] r = new int[row.size()];
            for (int i = 0; i < r.length; i++) r[i] = row.get(i).asInt();
            out.add(r);
        }
        return out;
    }

    @Test
    void logitsAndHiddenStatesMatchPyTorch() throws Exception {
        JsonNode exp;
        try (InputStream in = getClass().getResourceAsStream("/encoders/cross/expected.json")) {
            exp = new ObjectMapper().readTree(in);
        }
        try (WeightFile f = ModelFiles.open(fixture())) {
            Bert bert = Bert.load(f, null);
            assertThat(bert.hasClassifier()).isTrue();
            assertThat(bert.numLabels()).isEqualTo(3);
            assertThat(bert.config().heads()).isEqualTo(4);
            List<int[]> ids = ints(exp.get("ids")), types = ints(exp.get("types"));
            float[][] hidden = bert.encode(ids, types);
            float[][] logits = bert.classify(ids, types);
            for (int s = 0; s < ids.size(); s++) {
                JsonNode h = exp.get("hidden").get(s);
                assertThat(hidden[s]).hasSize(h.size());
                for (int i = 0; i < h.size(); i++) assertThat((double) hidden[s][i]).isCloseTo(h.get(i).asDouble(), within(2e-5));
                for (int j = 0; j < 3; j++) {
                    assertThat((double) logits[s][j]).isCloseTo(exp.get("logits").get(s).get(j).asDouble(), within(2e-5));
                }
            }
            assertThatThrownBy(() -> bert.encode(List.of(new int[]{1, 99}), null)).hasMessageContaining("token id 99");
        }
    }
}

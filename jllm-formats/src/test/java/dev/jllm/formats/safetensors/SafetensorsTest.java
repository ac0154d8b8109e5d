package dev.jllm.formats.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.formats.Fixtures;
import dev.jllm.formats.ModelFiles;
import dev.jllm.formats.WeightFile;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {
    @TempDir Path dir;

    @Test
    void readsTheIndependentFixture() throws Exception {
        JsonNode exp = Fixtures.expected().get("safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.copy("fixture.safetensors", dir))) {
            assertThat(f.dataOffset()).isEqualTo(exp.get("data_offset").asLong());
            assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("source", "write_fixtures.py");
            for (Map.Entry<String, JsonNode> e : exp.get("tensors").properties()) {
                JsonNode t = e.getValue();
                Tensor x = f.tensor(e.getKey());
                assertThat(x.segment().isMapped()).as("a view over the mapped file").isTrue();
                assertThat(x.dtype().name()).isEqualTo(t.get("dtype").asText());
                assertThat(x.shape()).containsExactly(Fixtures.longs(t.get("shape")));
                if (x.dtype() == DType.I64) {
                    long[] want = Fixtures.longs(t.get("values"));
                    for (int i = 0; i < want.length; i++) {
                        assertThat(x.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i)).isEqualTo(want[i]);
                    }
                } else {
                    assertThat(x.toFloatArray()).containsExactly(Fixtures.floats(t.get("values")));
                }
            }
        }
    }

    private static SafetensorsWriter sample(Random rnd) {
        SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", "pt");
        float[] f = new float[24];
        for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
        w.add("a.f32", Tensor.of(f, 2, 3, 4));
        Tensor h = Tensor.allocate(DType.F16, 5);
        Tensor b = Tensor.allocate(DType.BF16, 3, 3);
        for (int i = 0; i < 5; i++) h.set(i - 2.5f, i);
        for (int i = 0; i < 9; i++) b.set(i * 1.5f, i / 3, i % 3);
        w.add("b.f16", h).add("c.bf16", b);
        for (DType d : new DType[] {DType.F64, DType.I64, DType.I32, DType.I16, DType.I8, DType.U8, DType.BOOL}) {
            Tensor t = Tensor.allocate(d, 2, 2);
            for (int i = 0; i < 4; i++) t.set(i % 2, i / 2, i % 2);
            w.add("d." + d.name().toLowerCase(), t);
        }
        w.add("e.empty", Tensor.allocate(DType.F32, 0, 4));
        w.add("f.scalar", Tensor.of(new float[] {7f}));
        w.add("g.u16", SafetensorsDType.U16, new long[] {2}, MemorySegment.ofArray(new byte[] {1, 0, 2, 0}));
        return w;
    }

    @Test
    void singleFileRoundTrip() throws Exception {
        Path p = dir.resolve("m.safetensors");
        SafetensorsWriter w = sample(new Random(1));
        w.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.dataOffset() % 8).isZero();
            assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(f.infos()).hasSize(13);
            assertThat(f.tensor("a.f32").shape()).containsExactly(2, 3, 4);
            assertThat(f.tensor("b.f16").toFloatArray()).containsExactly(-2.5f, -1.5f, -0.5f, 0.5f, 1.5f);
            assertThat(f.tensor("c.bf16").toFloatArray()).containsExactly(0f, 1.5f, 3f, 4.5f, 6f, 7.5f, 9f, 10.5f, 12f);
            assertThat(f.tensor("d.i64").toFloatArray()).containsExactly(0, 1, 0, 1);
            assertThat(f.tensor("e.empty").numel()).isZero();
            assertThat(f.tensor("f.scalar").get()).isEqualTo(7f);
            assertThatThrownBy(() -> f.tensor("g.u16")).hasMessageContaining("dtype U16, which jllm does not support");
            // Every tensor is aligned to its element size (the reference writer's order guarantees it).
            for (SafetensorsFile.Info i : f.infos().values()) assertThat((f.dataOffset() + i.begin()) % (Math.max(8, i.dtype().bits()) / 8)).isZero();
            // Writing what was read reproduces the file.
            SafetensorsWriter again = new SafetensorsWriter();
            f.stringMetadata().forEach(again::putMetadata);
            MemorySegment all = MemorySegment.ofArray(Files.readAllBytes(p));
            for (SafetensorsFile.Info i : f.infos().values()) {
                again.add(i.name(), i.dtype(), i.shape(), all.asSlice(f.dataOffset() + i.begin(), i.byteSize()));
            }
            Path p2 = dir.resolve("again.safetensors");
            again.write(p2);
            assertThat(Files.readAllBytes(p2)).isEqualTo(Files.readAllBytes(p));
        }
    }

    @Test
    void shardedRoundTripThroughTheIndex() throws Exception {
        Path single = dir.resolve("single.safetensors");
        sample(new Random(2)).write(single);
        Path index = sample(new Random(2)).writeSharded(dir.resolve("sharded"), 100);
        assertThat(index.getFileName().toString()).isEqualTo("model.safetensors.index.json");
        try (SafetensorsFile one = SafetensorsFile.open(single); WeightFile many = ModelFiles.open(dir.resolve("sharded"))) {
            assertThat(many).isInstanceOf(ShardedSafetensors.class);
            assertThat(((ShardedSafetensors) many).shards().size()).isGreaterThan(1);
            assertThat(many.metadata()).containsEntry("format", "pt").containsKey("total_size");
            assertThat(many.entries()).extracting(e -> e.name()).containsExactlyInAnyOrderElementsOf(one.infos().keySet());
            for (String name : one.infos().keySet()) {
                if (name.equals("g.u16")) continue;
                assertThat(many.tensor(name).shape()).containsExactly(one.tensor(name).shape());
                assertThat(many.tensor(name).toFloatArray()).containsExactly(one.tensor(name).toFloatArray());
            }
        }
    }

    @Test
    void indexErrorsAreClear() throws Exception {
        Path index = new SafetensorsWriter().add("x", Tensor.zeros(2)).writeSharded(dir.resolve("s"), 1 << 20);
        Files.writeString(index, "{\"weight_map\": {\"x\": \"model-00001-of-00001.safetensors\", \"y\": \"model-00001-of-00001.safetensors\"}}");
        assertThatThrownBy(() -> ShardedSafetensors.openIndex(index)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("tensor 'y'");
        Files.writeString(index, "{\"weight_map\": {\"x\": \"../evil.safetensors\"}}");
        assertThatThrownBy(() -> ShardedSafetensors.openIndex(index)).hasMessageContaining("not a file beside the index");
        Files.writeString(index, "{\"weight_map\": [1,2]}");
        assertThatThrownBy(() -> ShardedSafetensors.openIndex(index)).hasMessageContaining("no \"weight_map\" object");
        Files.writeString(index, "{\"weight_map\": {");
        assertThatThrownBy(() -> ShardedSafetensors.openIndex(index)).hasMessageContaining("malformed JSON");
    }
}

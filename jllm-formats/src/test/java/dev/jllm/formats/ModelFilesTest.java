package dev.jllm.formats;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.formats.onnx.OnnxInitializers;
import dev.jllm.formats.safetensors.SafetensorsFile;
import dev.jllm.formats.safetensors.SafetensorsWriter;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFilesTest {
    @TempDir Path dir;

    @Test
    void detectsByMagicNotJustName() throws Exception {
        Path g = Fixtures.copy("fixture_v3.gguf", dir);
        Path s = Fixtures.copy("fixture.safetensors", dir);
        Path o = Fixtures.copy("tiny.onnx", dir);
        Path g2 = Files.copy(g, dir.resolve("weights.bin"));
        Path s2 = Files.copy(s, dir.resolve("weights2.bin"));
        try (WeightFile a = ModelFiles.open(g2); WeightFile b = ModelFiles.open(s2); WeightFile c = ModelFiles.open(o)) {
            assertThat(a).isInstanceOf(GgufFile.class);
            assertThat(b).isInstanceOf(SafetensorsFile.class);
            assertThat(c).isInstanceOf(OnnxInitializers.class);
        }
        Path junk = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> ModelFiles.open(junk)).isInstanceOf(ModelFormatException.class).hasMessageContaining("not a GGUF");
    }

    @Test
    void huggingFaceDirectoryWithConfig() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"),
                "{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2}");
        new SafetensorsWriter().add("w", Tensor.zeros(2, 8)).write(model.resolve("model.safetensors"));
        try (WeightFile f = ModelFiles.open(model)) {
            assertThat(f.format()).isEqualTo("safetensors");
            assertThat(f.tensor("w").shape()).containsExactly(2, 8);
        }
        assertThat(ModelFiles.configFor(model).hiddenSize()).isEqualTo(8);
        assertThat(ModelFiles.configFor(model.resolve("model.safetensors")).architecture()).isEqualTo("LlamaForCausalLM");
        assertThatThrownBy(() -> ModelFiles.open(Files.createDirectories(dir.resolve("empty"))))
                .hasMessageContaining("no .safetensors, .gguf or .onnx");
    }

    /**
     * A GGUF of more than 2 GiB (sparse on disk: the tensors are holes) opens, its last tensor
     * lies past 2^31 and reads back, and opening it costs the heap nothing like its size.
     */
    @Test
    void filesOverTwoGigabytesAreMappedNotRead() throws Exception {
        Path p = dir.resolve("big.gguf");
        long rows = 1 << 15, cols = 1 << 14; // 2^29 F32 = 2 GiB per tensor
        GgufWriter.Layout layout = new GgufWriter().put("general.architecture", GgufValue.string("x"))
                .reserveTensor("a", DType.F32, rows, cols)
                .reserveTensor("b", DType.F32, 4, 8)
                .write(p);
        assertThat(Files.size(p)).isGreaterThan(1L << 31);
        long tail = layout.tensorOffsets().get("b");
        assertThat(tail).isGreaterThan(Integer.MAX_VALUE);
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, 3.5f), tail + 4);
        }
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        try (WeightFile f = ModelFiles.open(p)) {
            Tensor a = f.tensor("a");
            Tensor b = f.tensor("b");
            long after = memory.getHeapMemoryUsage().getUsed();
            assertThat(after - before).as("heap growth while opening a %d-byte file", Files.size(p)).isLessThan(64L << 20);
            assertThat(a.segment().isMapped()).isTrue();
            assertThat(a.shape()).containsExactly(rows, cols);
            assertThat(a.get(rows - 1, cols - 1)).isZero();
            assertThat(b.get(0, 1)).isEqualTo(3.5f);
        }
    }
}

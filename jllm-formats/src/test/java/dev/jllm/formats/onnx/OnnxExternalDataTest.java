package dev.jllm.formats.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Initializers whose bytes live in a separate file (TensorProto.data_location = EXTERNAL). */
class OnnxExternalDataTest {
    @TempDir Path dir;

    private static byte[] message(Writer w) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        w.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    interface Writer {
        void write(CodedOutputStream out) throws Exception;
    }

    private static byte[] entry(String k, String v) throws Exception {
        return message(o -> { o.writeString(1, k); o.writeString(2, v); });
    }

    private Path model(String location, String offset, String length) throws Exception {
        byte[] tensor = message(o -> {
            o.writeInt64(1, 2);
            o.writeInt64(1, 2);
            o.writeInt32(2, 1); // FLOAT
            o.writeString(8, "ext");
            o.writeBytes(13, ByteString.copyFrom(entry("location", location)));
            o.writeBytes(13, ByteString.copyFrom(entry("offset", offset)));
            o.writeBytes(13, ByteString.copyFrom(entry("length", length)));
            o.writeEnum(14, 1); // EXTERNAL
        });
        byte[] graph = message(o -> { o.writeString(2, "g"); o.writeBytes(5, ByteString.copyFrom(tensor)); });
        byte[] model = message(o -> { o.writeInt64(1, 9); o.writeBytes(7, ByteString.copyFrom(graph)); });
        ByteBuffer data = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) data.putFloat(i * 4, i + 0.5f);
        Files.write(dir.resolve("weights.bin"), data.array());
        return Files.write(dir.resolve("m.onnx"), model);
    }

    @Test
    void readsTheSliceOfTheExternalFile() throws Exception {
        try (OnnxInitializers f = OnnxInitializers.open(model("weights.bin", "16", "16"))) {
            assertThat(f.tensor("ext").toFloatArray()).containsExactly(4.5f, 5.5f, 6.5f, 7.5f);
            assertThat(f.tensor("ext").segment().isMapped()).isTrue();
            assertThat(f.entries().getFirst().file().getFileName().toString()).isEqualTo("weights.bin");
            assertThat(f.entries().getFirst().fileOffset()).isEqualTo(16);
        }
    }

    @Test
    void badExternalReferencesAreClear() throws Exception {
        try (OnnxInitializers f = OnnxInitializers.open(model("../outside.bin", "0", "16"))) {
            assertThatThrownBy(() -> f.tensor("ext")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("points outside the model's directory");
        }
        try (OnnxInitializers f = OnnxInitializers.open(model("weights.bin", "24", "16"))) {
            assertThatThrownBy(() -> f.tensor("ext")).hasMessageContaining("needs 16 bytes at offset 24");
        }
        try (OnnxInitializers f = OnnxInitializers.open(model("weights.bin", "0", "12"))) {
            assertThatThrownBy(() -> f.tensor("ext")).hasMessageContaining("(length 12)");
        }
    }
}

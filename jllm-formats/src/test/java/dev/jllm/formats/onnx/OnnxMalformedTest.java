package dev.jllm.formats.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnnxMalformedTest {
    @TempDir Path dir;

    interface Body {
        void write(CodedOutputStream out) throws Exception;
    }

    private static byte[] msg(Body b) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        b.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] model(byte[] tensor) throws Exception {
        byte[] graph = msg(o -> o.writeBytes(5, ByteString.copyFrom(tensor)));
        return msg(o -> { o.writeInt64(1, 8); o.writeBytes(7, ByteString.copyFrom(graph)); });
    }

    private Path write(byte[] b) throws Exception {
        return Files.write(dir.resolve("bad.onnx"), b);
    }

    private String failsToOpen(byte[] b) throws Exception {
        Path p = write(b);
        try (OnnxInitializers ignored = OnnxInitializers.open(p)) {
            throw new AssertionError("opened a malformed model");
        } catch (OnnxFormatException e) {
            assertThat(e.getMessage()).startsWith(p.toString());
            return e.getMessage();
        }
    }

    @Test
    void structuralErrors() throws Exception {
        assertThat(failsToOpen(new byte[0])).contains("empty file");
        assertThat(failsToOpen(msg(o -> o.writeInt64(1, 8)))).contains("no ModelProto.graph");
        byte[] good = model(msg(o -> { o.writeInt64(1, 2); o.writeInt32(2, 1); o.writeString(8, "w"); o.writeByteArray(9, new byte[8]); }));
        assertThat(failsToOpen(Arrays.copyOf(good, good.length - 3))).containsAnyOf("length", "malformed protobuf");
        // A length prefix far past the end of the file.
        assertThat(failsToOpen(new byte[] {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, 0})).contains("ModelProto.graph has length");
        // The graph field with the wrong wire type.
        assertThat(failsToOpen(msg(o -> o.writeInt64(7, 1)))).contains("ModelProto.graph has wire type 0, expected 2");
    }

    @Test
    void tensorErrors() throws Exception {
        assertThat(failsToOpen(model(msg(o -> { o.writeInt64(1, 2); o.writeInt32(2, 1); })))).contains("initializer without a name");
        assertThat(failsToOpen(model(msg(o -> { o.writeInt32(2, 99); o.writeString(8, "x"); })))).contains("'x' has unknown data_type 99");
        assertThat(failsToOpen(model(msg(o -> { o.writeInt64(1, -3); o.writeInt32(2, 1); o.writeString(8, "x"); }))))
                .contains("negative dimension -3");
        assertThat(failsToOpen(model(msg(o -> { o.writeInt64(1, 1L << 40); o.writeInt64(1, 1L << 40); o.writeInt32(2, 1); o.writeString(8, "x"); }))))
                .contains("overflow");
        assertThat(failsToOpen(model(msg(o -> { o.writeInt64(1, 3); o.writeInt32(2, 1); o.writeString(8, "x"); o.writeByteArray(9, new byte[8]); }))))
                .contains("needs 12 bytes of raw_data, found 8");
        assertThat(failsToOpen(model(msg(o -> { for (int i = 0; i < 65; i++) o.writeInt64(1, 1); o.writeInt32(2, 1); o.writeString(8, "x"); }))))
                .contains("more than 64 dimensions");
    }

    @Test
    void lazyDecodingErrorsAreIllegalArgument() throws Exception {
        // 2^40 elements claimed, 2 values present: refused before allocating.
        Path p = write(model(msg(o -> { o.writeInt64(1, 1L << 40); o.writeInt32(2, 7); o.writeString(8, "big");
            o.writeInt64(7, 1); o.writeInt64(7, 2); })));
        try (OnnxInitializers f = OnnxInitializers.open(p)) {
            assertThatThrownBy(() -> f.tensor("big")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 1099511627776 values");
        }
        // int32_data count differs from the dims.
        p = write(model(msg(o -> { o.writeInt64(1, 3); o.writeInt32(2, 6); o.writeString(8, "i"); o.writeInt32(5, 300); o.writeInt32(5, 400); })));
        try (OnnxInitializers f = OnnxInitializers.open(p)) {
            assertThatThrownBy(() -> f.tensor("i")).hasMessageContaining("has 2 values, its dims [3] need 3");
        }
        // float values in a field meant for int64.
        p = write(model(msg(o -> { o.writeInt64(1, 1); o.writeInt32(2, 1); o.writeString(8, "f"); o.writeInt64(7, 5); })));
        try (OnnxInitializers f = OnnxInitializers.open(p)) {
            assertThatThrownBy(() -> f.tensor("f")).hasMessageContaining("field 7 (wire type 0), which cannot hold that type");
        }
        // STRING tensors are listed but not decoded.
        p = write(model(msg(o -> { o.writeInt64(1, 1); o.writeInt32(2, 8); o.writeString(8, "s"); o.writeString(6, "hello"); })));
        try (OnnxInitializers f = OnnxInitializers.open(p)) {
            assertThat(f.entries().getFirst().dtype()).isEqualTo("STRING");
            assertThatThrownBy(() -> f.tensor("s")).hasMessageContaining("data type STRING, which jllm does not support");
        }
    }
}

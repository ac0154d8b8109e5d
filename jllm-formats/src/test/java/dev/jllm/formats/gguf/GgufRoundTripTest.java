package dev.jllm.formats.gguf;

import dev.jllm.formats.Fixtures;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class GgufRoundTripTest {
    @TempDir Path dir;

    public static Map<String, GgufValue> everyType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string("llama"));
        m.put("u8", GgufValue.uint8(255));
        m.put("i8", GgufValue.int8(-128));
        m.put("u16", GgufValue.uint16(65535));
        m.put("i16", GgufValue.int16(-32768));
        m.put("u32", GgufValue.uint32(0xffff_ffffL));
        m.put("i32", GgufValue.int32(Integer.MIN_VALUE));
        m.put("u64", GgufValue.uint64(-1));
        m.put("i64", GgufValue.int64(Long.MIN_VALUE));
        m.put("f32", GgufValue.float32(Float.MIN_VALUE));
        m.put("f64", GgufValue.float64(-Double.MAX_VALUE));
        m.put("bool", GgufValue.bool(false));
        m.put("str", GgufValue.string("h\u00e9llo \u2603 \ud83d\ude00"));
        m.put("a.u8", GgufValue.array(GgufType.UINT8, new byte[] {0, -1, 7}));
        m.put("a.i8", GgufValue.array(GgufType.INT8, new byte[] {-128, 127}));
        m.put("a.u16", GgufValue.array(GgufType.UINT16, new short[] {-1, 1}));
        m.put("a.i16", GgufValue.array(GgufType.INT16, new short[] {Short.MIN_VALUE}));
        m.put("a.u32", GgufValue.array(GgufType.UINT32, new int[] {-1}));
        m.put("a.i32", GgufValue.int32s(1, -2, 3));
        m.put("a.u64", GgufValue.array(GgufType.UINT64, new long[] {-1, 0}));
        m.put("a.i64", GgufValue.array(GgufType.INT64, new long[] {Long.MAX_VALUE}));
        m.put("a.f32", GgufValue.float32s(1f, Float.NaN, Float.NEGATIVE_INFINITY));
        m.put("a.f64", GgufValue.array(GgufType.FLOAT64, new double[] {0.1, -0.0}));
        m.put("a.bool", GgufValue.array(GgufType.BOOL, new boolean[] {true, false}));
        m.put("a.str", GgufValue.strings("", "x", "\u4e2d\u6587"));
        m.put("a.empty", GgufValue.strings());
        m.put("a.nested", GgufValue.arrays(GgufValue.int32s(1, 2), GgufValue.arrays(GgufValue.strings("deep")),
                GgufValue.array(GgufType.ARRAY, new GgufValue[0])));
        return m;
    }

    @ParameterizedTest
    @CsvSource({"3, 32", "3, 64", "2, 32", "2, 64"})
    void writeReadWriteIsExact(int version, int alignment) throws Exception {
        Map<String, GgufValue> meta = everyType();
        if (alignment != 32) meta.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(alignment));
        Random rnd = new Random(alignment + version);
        float[] f = new float[3 * 5];
        for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
        Tensor f32 = Tensor.of(f, 3, 5);
        Tensor f16 = Tensor.allocate(DType.F16, 2, 7);
        for (int i = 0; i < 14; i++) f16.set(i * 0.25f - 1, i / 7, i % 7);
        MemorySegment q8 = Arena.ofAuto().allocate(2 * 34);
        for (int i = 0; i < q8.byteSize(); i++) q8.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
        Path p = dir.resolve("rt.gguf");
        GgufWriter.Layout layout = new GgufWriter(version).putAll(meta)
                .addTensor("f32", f32)
                .addTensor("f16", f16)
                .addTensor("q8", DType.Q8_0, new long[] {1, 64}, q8)
                .addTensor("scalar", Tensor.of(new float[] {42f}))
                .addTensor("iq2", GgmlType.IQ2_XXS, new long[] {256}, MemorySegment.ofArray(new byte[66]))
                .write(p);
        try (GgufFile g = GgufFile.open(p)) {
            assertThat(g.version()).isEqualTo(version);
            assertThat(g.alignment()).isEqualTo(alignment);
            assertThat(g.dataOffset() % alignment).isZero();
            assertThat(g.typedMetadata()).containsExactlyEntriesOf(meta);
            assertThat(g.tensor("f32").toFloatArray()).containsExactly(f);
            assertThat(g.tensor("f32").shape()).containsExactly(3, 5);
            assertThat(g.tensorInfos().get("f32").ne()).containsExactly(5, 3);
            assertThat(g.tensor("f16").toFloatArray()).containsExactly(f16.toFloatArray());
            Tensor q = g.tensor("q8");
            assertThat(q.dtype()).isEqualTo(DType.Q8_0);
            assertThat(q.segment().asSlice(q.byteOffset(), 68).toArray(ValueLayout.JAVA_BYTE)).containsExactly(q8.toArray(ValueLayout.JAVA_BYTE));
            assertThat(g.tensor("scalar").shape()).isEmpty();
            assertThat(g.tensor("scalar").get()).isEqualTo(42f);
            for (var e : layout.tensorOffsets().entrySet()) {
                assertThat(g.dataOffset() + g.tensorInfos().get(e.getKey()).offset()).isEqualTo(e.getValue());
                assertThat(e.getValue() % alignment).isZero();
            }
            assertThat(Files.size(p)).isEqualTo(layout.fileSize());
            assertThatThrownBy(() -> g.tensor("iq2")).hasMessageContaining("IQ2_XXS");
            // Writing what was read gives the same bytes.
            Path again = dir.resolve("again.gguf");
            copy(g, version).write(again);
            assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(p));
        }
    }

    /** Re-writes a file from what was read, raw tensor bytes included. */
    static GgufWriter copy(GgufFile g, int version) {
        GgufWriter w = new GgufWriter(version).putAll(g.typedMetadata());
        for (GgufTensorInfo t : g.tensorInfos().values()) w.addTensor(t.name(), t.type(), t.shape(), g.tensorBytes(t.name()));
        return w;
    }

    @Test
    void rewritingTheIndependentFixtureReproducesItByteForByte() throws Exception {
        Path src = Fixtures.copy("fixture_v3.gguf", dir);
        Path out = dir.resolve("rewritten.gguf");
        try (GgufFile g = GgufFile.open(src)) {
            copy(g, 3).write(out);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(src));
    }

    @Test
    void writerRejectsWhatReadersRefuse() {
        GgufWriter w = new GgufWriter();
        assertThatThrownBy(() -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(48))).hasMessageContaining("power of two");
        assertThatThrownBy(() -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(4))).hasMessageContaining(">= 8");
        assertThatThrownBy(() -> w.put(GgufFile.ALIGNMENT_KEY, GgufValue.int32(32))).hasMessageContaining("UINT32");
        assertThatThrownBy(() -> w.addTensor("x".repeat(64), Tensor.zeros(2))).hasMessageContaining("at most 63");
        assertThatThrownBy(() -> w.addTensor("q", DType.Q8_0, new long[] {2, 31}, MemorySegment.ofArray(new byte[34])))
                .hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> w.addTensor("r5", Tensor.zeros(1, 1, 1, 1, 1))).hasMessageContaining("at most 4");
        assertThatThrownBy(() -> GgufValue.uint8(256)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> GgufValue.array(GgufType.INT32, new long[1])).hasMessageContaining("int[]");
        assertThatThrownBy(() -> new GgufWriter(1)).hasMessageContaining("2 or 3");
    }

    @Test
    void reservedTensorsLeaveZerosToFillLater() throws Exception {
        Path p = dir.resolve("reserved.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("x")).reserveTensor("big", DType.F32, 4, 8).write(p);
        try (GgufFile g = GgufFile.open(p)) {
            assertThat(g.tensor("big").toFloatArray()).containsOnly(0f).hasSize(32);
        }
    }
}

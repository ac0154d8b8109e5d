package dev.jllm.formats.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.formats.Fixtures;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads fixture_v3.gguf, written by tools/formats/write_fixtures.py straight from the spec (numpy, no jllm code). */
class GgufFixtureTest {
    @TempDir Path dir;

    @Test
    void readsHeaderMetadataOfEveryTypeAndTensors() throws Exception {
        JsonNode exp = Fixtures.expected().get("gguf");
        try (GgufFile f = GgufFile.open(Fixtures.copy("fixture_v3.gguf", dir))) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.dataOffset()).isEqualTo(exp.get("data_offset").asLong());
            assertThat(f.typedMetadata().keySet()).containsExactlyElementsOf(() -> exp.get("metadata").fieldNames());
            for (Map.Entry<String, JsonNode> e : exp.get("metadata").properties()) {
                checkValue(e.getKey(), f.typedMetadata().get(e.getKey()), e.getValue());
            }
            for (Map.Entry<String, JsonNode> e : exp.get("tensors").properties()) {
                JsonNode t = e.getValue();
                GgufTensorInfo info = f.tensorInfos().get(e.getKey());
                assertThat(info.type().name()).isEqualTo(t.get("type").asText());
                assertThat(info.shape()).containsExactly(Fixtures.longs(t.get("shape")));
                assertThat(f.dataOffset() + info.offset()).isEqualTo(t.get("offset").asLong());
                Tensor x = f.tensor(e.getKey());
                assertThat(x.shape()).containsExactly(Fixtures.longs(t.get("shape")));
                float[] want = Fixtures.floats(t.get("values"));
                float[] got = info.type() == GgmlType.Q8_0 ? dequantizeQ80(x) : x.toFloatArray();
                assertThat(got).containsExactly(want);
            }
        }
    }

    @Test
    void javaMapFollowsTheDocumentedConvention() throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.copy("fixture_v3.gguf", dir))) {
            Map<String, Object> m = f.metadata();
            assertThat(m.get("test.uint8")).isEqualTo(200L);
            assertThat(m.get("test.uint32")).isEqualTo(4_000_000_000L);
            assertThat(m.get("test.uint64")).isEqualTo(-2L); // 2^64-2 as raw bits
            assertThat(m.get("test.int16")).isEqualTo(-30000L);
            assertThat(m.get("test.float32")).isEqualTo(1.5f);
            assertThat(m.get("test.float64")).isEqualTo(Math.PI);
            assertThat(m.get("test.bool")).isEqualTo(true);
            assertThat(m.get("general.name")).isEqualTo("jllm fixture \u00e9\u4e2d");
            assertThat((byte[]) m.get("test.arr.uint8")).containsExactly(0, 1, -1);
            assertThat((short[]) m.get("test.arr.uint16")).containsExactly((short) 0, (short) -1);
            assertThat((int[]) m.get("test.arr.int32")).containsExactly(-1, 2, -3);
            assertThat((long[]) m.get("test.arr.int64")).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat((float[]) m.get("test.arr.float32")).containsExactly(0.5f, -2.25f);
            assertThat((double[]) m.get("test.arr.float64")).containsExactly(1e300, -0.0);
            assertThat((boolean[]) m.get("test.arr.bool")).containsExactly(true, false, true);
            assertThat((String[]) m.get("test.arr.string")).containsExactly("a", "", "\u00fcnicode");
            Object[] nested = (Object[]) m.get("test.arr.nested");
            assertThat((int[]) nested[0]).containsExactly(1, 2);
            assertThat((String[]) nested[1]).containsExactly("x");
            assertThat((byte[]) ((Object[]) nested[2])[0]).containsExactly(7);
            assertThat((float[]) m.get("test.arr.empty")).isEmpty();
        }
    }

    /** Q8_0 by its definition (fp16 scale, 32 int8), independent of jllm's block codecs. */
    static float[] dequantizeQ80(Tensor t) {
        var seg = t.segment();
        long base = t.byteOffset();
        float[] out = new float[(int) t.numel()];
        ValueLayout.OfShort f16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < out.length / 32; b++) {
            float d = Float.float16ToFloat(seg.get(f16, base + 34L * b));
            for (int j = 0; j < 32; j++) out[32 * b + j] = d * seg.get(ValueLayout.JAVA_BYTE, base + 34L * b + 2 + j);
        }
        return out;
    }

    private static void checkValue(String key, GgufValue v, JsonNode exp) {
        assertThat(v).as(key).isNotNull();
        assertThat(v.type().name()).as(key).isEqualTo(exp.get("type").asText());
        if (v.type() == GgufType.ARRAY) {
            assertThat(v.elementType().name()).as(key).isEqualTo(exp.get("element").asText());
            JsonNode items = exp.get("items");
            assertThat(v.length()).as(key).isEqualTo(items.size());
            for (int i = 0; i < items.size(); i++) checkValue(key + "[" + i + "]", item(v, i), items.get(i));
            return;
        }
        JsonNode want = exp.get("value");
        switch (v.type()) {
            case FLOAT32 -> assertThat((Float) v.value()).as(key).isEqualTo(Float.parseFloat(want.asText()));
            case FLOAT64 -> assertThat((Double) v.value()).as(key).isEqualTo(Double.parseDouble(want.asText()));
            case BOOL -> assertThat(v.value()).as(key).isEqualTo(want.asBoolean());
            case STRING -> assertThat(v.value()).as(key).isEqualTo(want.asText());
            case UINT64 -> assertThat(v.value()).as(key).isEqualTo(new BigInteger(want.asText()).longValue());
            default -> assertThat(v.value()).as(key).isEqualTo(new BigInteger(want.asText()).longValueExact());
        }
    }

    /** Item i of an array value as a typed scalar (or nested array). */
    private static GgufValue item(GgufValue arr, int i) {
        Object a = arr.value();
        GgufType t = arr.elementType();
        return switch (t) {
            case ARRAY -> ((GgufValue[]) a)[i];
            case UINT8 -> new GgufValue(t, null, (long) Byte.toUnsignedInt(((byte[]) a)[i]));
            case INT8 -> new GgufValue(t, null, (long) ((byte[]) a)[i]);
            case UINT16 -> new GgufValue(t, null, (long) Short.toUnsignedInt(((short[]) a)[i]));
            case INT16 -> new GgufValue(t, null, (long) ((short[]) a)[i]);
            case UINT32 -> new GgufValue(t, null, Integer.toUnsignedLong(((int[]) a)[i]));
            case INT32 -> new GgufValue(t, null, (long) ((int[]) a)[i]);
            case UINT64, INT64 -> new GgufValue(t, null, ((long[]) a)[i]);
            case FLOAT32 -> new GgufValue(t, null, ((float[]) a)[i]);
            case FLOAT64 -> new GgufValue(t, null, ((double[]) a)[i]);
            case BOOL -> new GgufValue(t, null, ((boolean[]) a)[i]);
            case STRING -> new GgufValue(t, null, ((String[]) a)[i]);
        };
    }

    @Test
    void typedLookupsNameMissingOrMistypedKeys() throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.copy("fixture_v3.gguf", dir))) {
            assertThat(f.string("general.architecture")).isEqualTo("llama");
            assertThat(f.integer("test.uint32")).isEqualTo(4_000_000_000L);
            assertThat(f.integer("absent", 7)).isEqualTo(7);
            assertThat(f.number("test.float32")).isEqualTo(1.5);
            assertThat(f.number("test.int16")).isEqualTo(-30000.0);
            assertThat(f.bool("test.bool", false)).isTrue();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.integer("llama.block_count"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing metadata key 'llama.block_count'");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.string("test.arr.string"))
                    .hasMessageContaining("'test.arr.string' is ARRAY<STRING>, expected a STRING");
        }
    }

    @Test
    void dtypesMapToJllm() throws Exception {
        try (GgufFile f = GgufFile.open(Fixtures.copy("fixture_v3.gguf", dir))) {
            assertThat(f.tensor("tok_embd.weight").dtype()).isEqualTo(DType.F32);
            assertThat(f.tensor("blk.0.attn_q.weight").dtype()).isEqualTo(DType.F16);
            assertThat(f.tensor("blk.0.ffn_up.weight").dtype()).isEqualTo(DType.Q8_0);
            assertThat(f.entries()).extracting(e -> e.dtype()).containsExactly("F32", "F16", "Q8_0");
        }
    }
}

package dev.jllm.formats.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.formats.Fixtures;
import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A file written by jllm, read back by an independent GGUF parser (@huggingface/gguf from npm,
 * tools/formats/read_gguf.mjs). The committed jllm_written.gguf must equal what the writer
 * produces today, and jllm_written.hf-gguf.json (that parser's view of it) must agree with
 * what jllm meant to write. Regenerate both with tools/formats/check_jllm_gguf.sh.
 */
class GgufInteropTest {
    @TempDir Path dir;

    static GgufWriter sample() {
        GgufWriter w = new GgufWriter(3).putAll(GgufRoundTripTest.everyType());
        w.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(64));
        float[] f = new float[6 * 4];
        for (int i = 0; i < f.length; i++) f[i] = i * 0.5f - 3;
        Tensor f16 = Tensor.allocate(DType.F16, 3, 5);
        for (int i = 0; i < 15; i++) f16.set(i - 7f, i / 5, i % 5);
        byte[] q8 = new byte[2 * 34];
        for (int i = 0; i < q8.length; i++) q8[i] = (byte) (i * 7 + 1);
        return w.addTensor("token_embd.weight", Tensor.of(f, 6, 4))
                .addTensor("blk.0.attn_k.weight", f16)
                .addTensor("blk.0.ffn_down.weight", DType.Q8_0, new long[] {2, 32}, MemorySegment.ofArray(q8));
    }

    @Test
    void writerOutputIsTheCommittedFileAndTheIndependentParserAgrees() throws Exception {
        Path written = dir.resolve("jllm_written.gguf");
        GgufWriter.Layout layout = sample().write(written);
        String regenerate = System.getProperty("jllm.regenerateFixture");
        if (regenerate != null) Files.copy(written, Path.of(regenerate), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.readAllBytes(written)).as("writer output vs committed jllm_written.gguf")
                .isEqualTo(Files.readAllBytes(Fixtures.copy("jllm_written.gguf", Files.createDirectories(dir.resolve("c")))));

        JsonNode hf = Fixtures.json("jllm_written.hf-gguf.json");
        assertThat(hf.get("tensorDataOffset").asLong()).isEqualTo(layout.dataOffset());
        JsonNode meta = hf.get("metadata");
        assertThat(meta.get("version").asInt()).isEqualTo(3);
        Map<String, GgufValue> want = GgufRoundTripTest.everyType();
        want.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(64));
        for (Map.Entry<String, GgufValue> e : want.entrySet()) {
            assertAgrees(e.getKey(), e.getValue(), meta.get(e.getKey()));
        }
        try (GgufFile g = GgufFile.open(written)) {
            JsonNode tensors = hf.get("tensors");
            assertThat(tensors).hasSize(g.tensorInfos().size());
            int i = 0;
            for (GgufTensorInfo t : g.tensorInfos().values()) {
                JsonNode h = tensors.get(i++);
                assertThat(h.get("name").asText()).isEqualTo(t.name());
                assertThat(h.get("dtype").asInt()).isEqualTo(t.type().id());
                assertThat(Fixtures.longs(h.get("ne"))).containsExactly(t.ne());
                assertThat(h.get("offset").asLong()).isEqualTo(t.offset());
            }
        }
    }

    /** Compares a value jllm wrote with how @huggingface/gguf decoded it (64-bit ints arrive as strings). */
    private static void assertAgrees(String key, GgufValue v, JsonNode h) {
        assertThat(h).as(key).isNotNull();
        if (v.type() != GgufType.ARRAY) {
            assertScalar(key, v.type(), v.value(), h);
            return;
        }
        assertThat(h.size()).as(key).isEqualTo(v.length());
        for (int i = 0; i < v.length(); i++) {
            Object item = Array.get(v.value(), i);
            if (v.elementType() == GgufType.ARRAY) assertAgrees(key + "[" + i + "]", (GgufValue) item, h.get(i));
            else assertScalar(key + "[" + i + "]", v.elementType(), widen(v.elementType(), item), h.get(i));
        }
    }

    private static Object widen(GgufType t, Object item) {
        return switch (t) {
            case UINT8 -> (long) Byte.toUnsignedInt((Byte) item);
            case UINT16 -> (long) Short.toUnsignedInt((Short) item);
            case UINT32 -> Integer.toUnsignedLong((Integer) item);
            case INT8 -> (long) (Byte) item;
            case INT16 -> (long) (Short) item;
            case INT32 -> (long) (Integer) item;
            default -> item;
        };
    }

    private static void assertScalar(String key, GgufType t, Object v, JsonNode h) {
        switch (t) {
            case STRING -> assertThat(h.asText()).as(key).isEqualTo(v);
            case BOOL -> assertThat(h.asBoolean()).as(key).isEqualTo(v);
            case FLOAT32 -> {
                float f = (Float) v;
                if (Float.isNaN(f) || Float.isInfinite(f)) assertThat(h.isNull() || h.isTextual()).as(key).isTrue(); // JSON has no NaN
                else assertThat((float) h.asDouble()).as(key).isEqualTo(f);
            }
            case FLOAT64 -> assertThat(h.asDouble() == (Double) v).as(key + ": " + h + " vs " + v).isTrue(); // JSON drops -0's sign
            case UINT64 -> assertThat(new BigInteger(h.asText())).as(key).isEqualTo(new BigInteger(Long.toUnsignedString((Long) v)));
            default -> assertThat(new BigInteger(h.asText())).as(key).isEqualTo(BigInteger.valueOf((Long) v));
        }
    }
}

package dev.jllm.formats.gguf;

import dev.jllm.formats.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hand-made broken files: each must fail with a GgufFormatException that names the file, offset and problem. */
class GgufMalformedTest {
    @TempDir Path dir;

    /** Little-endian GGUF pieces, written by hand so any field can be wrong. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        Raw u32(long v) { return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array()); }
        Raw u64(long v) { return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }
        Raw str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); return u64(b.length).put(b); }
        Raw put(byte[] b) { out.write(b, 0, b.length); return this; }
        Raw header(long version, long tensors, long kvs) { return u32(GgufFile.MAGIC).u32(version).u64(tensors).u64(kvs); }
        Raw tensor(String name, long type, long offset, long... ne) {
            str(name).u32(ne.length);
            for (long d : ne) u64(d);
            return u32(type).u64(offset);
        }
        Raw padTo(int alignment) { while (out.size() % alignment != 0) out.write(0); return this; }
        Raw zeros(int n) { return put(new byte[n]); }
        byte[] bytes() { return out.toByteArray(); }
    }

    private GgufFormatException fails(byte[] file) throws Exception {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, file);
        try (GgufFile ignored = GgufFile.open(p)) {
            throw new AssertionError("opened a malformed file");
        } catch (GgufFormatException e) {
            assertThat(e.getMessage()).startsWith(p.toString());
            assertThat(e.file()).isEqualTo(p);
            return e;
        }
    }

    @Test
    void wrongMagicAndVersions() throws Exception {
        assertThat(fails("GGML\3\0\0\0".getBytes(StandardCharsets.ISO_8859_1)).getMessage()).contains("at byte 0", "expected magic");
        assertThat(fails(new Raw().header(1, 0, 0).bytes()).getMessage()).contains("at byte 4", "unsupported GGUF version 1");
        assertThat(fails(new Raw().header(Integer.reverseBytes(3), 0, 0).bytes()).getMessage()).contains("big-endian");
        assertThat(fails(new Raw().header(4, 0, 0).bytes()).getMessage()).contains("version 4, expected 2 or 3");
        assertThat(fails(new byte[] {'G', 'G'}).getMessage()).contains("too short");
    }

    @Test
    void absurdCountsAndLengths() throws Exception {
        assertThat(fails(new Raw().header(3, 1L << 60, 0).bytes()).getMessage()).contains("at byte 8", "tensor count 1152921504606846976");
        assertThat(fails(new Raw().header(3, 0, -1).bytes()).getMessage()).contains("metadata count 18446744073709551615");
        // A key whose length runs past the end of the file.
        Raw r = new Raw().header(3, 0, 1).u64(1L << 40).put("abc".getBytes()).zeros(16);
        assertThat(fails(r.bytes()).getMessage()).contains("at byte 24", "length 1099511627776");
        // An array that claims 2^62 elements.
        r = new Raw().header(3, 0, 1).str("k").u32(GgufType.ARRAY.id()).u32(GgufType.INT32.id()).u64(1L << 62).zeros(8);
        assertThat(fails(r.bytes()).getMessage()).contains("array 'k' claims 4611686018427387904 items");
        // Unknown value type.
        r = new Raw().header(3, 0, 1).str("k").u32(99).zeros(8);
        assertThat(fails(r.bytes()).getMessage()).contains("unknown value type 99");
        // A bool that is neither 0 nor 1.
        r = new Raw().header(3, 0, 1).str("k").u32(GgufType.BOOL.id()).put(new byte[] {2}).zeros(12);
        assertThat(fails(r.bytes()).getMessage()).contains("BOOL must be 0 or 1");
    }

    @Test
    void deeplyNestedArraysFailCleanly() throws Exception {
        Raw r = new Raw().header(3, 0, 1).str("deep").u32(GgufType.ARRAY.id());
        for (int i = 0; i < 10_000; i++) r.u32(GgufType.ARRAY.id()).u64(1);
        r.u32(GgufType.INT8.id()).u64(0);
        assertThat(fails(r.bytes()).getMessage()).contains("nest deeper than 64");
    }

    @Test
    void duplicateKeysAndTensors() throws Exception {
        Raw r = new Raw().header(3, 0, 2).str("a").u32(GgufType.UINT8.id()).put(new byte[] {1})
                .str("a").u32(GgufType.UINT8.id()).put(new byte[] {2}).zeros(16);
        assertThat(fails(r.bytes()).getMessage()).contains("duplicate metadata key 'a'");
        r = new Raw().header(3, 2, 0).tensor("t", 0, 0, 4).tensor("t", 0, 32, 4).padTo(32).zeros(64);
        assertThat(fails(r.bytes()).getMessage()).contains("duplicate tensor name 't'");
    }

    @Test
    void badAlignment() throws Exception {
        Raw r = new Raw().header(3, 0, 1).str(GgufFile.ALIGNMENT_KEY).u32(GgufType.UINT32.id()).u32(48).zeros(16);
        assertThat(fails(r.bytes()).getMessage()).contains("power of two, found 48");
        r = new Raw().header(3, 0, 1).str(GgufFile.ALIGNMENT_KEY).u32(GgufType.INT32.id()).u32(32).zeros(16);
        assertThat(fails(r.bytes()).getMessage()).contains("must be UINT32, found INT32");
    }

    @Test
    void badTensorInfos() throws Exception {
        // Dimensions whose product overflows 64 bits.
        Raw r = new Raw().header(3, 1, 0).tensor("big", 0, 0, 1L << 32, 1L << 32).padTo(32);
        assertThat(fails(r.bytes()).getMessage()).contains("tensor 'big'", "overflow");
        // A negative (huge unsigned) dimension.
        r = new Raw().header(3, 1, 0).tensor("neg", 0, 0, -5).padTo(32);
        assertThat(fails(r.bytes()).getMessage()).contains("dimension 0 is 18446744073709551611");
        // Unknown ggml type, and a removed one (Q4_2 = 4).
        r = new Raw().header(3, 1, 0).tensor("u", 77, 0, 4).padTo(32).zeros(32);
        assertThat(fails(r.bytes()).getMessage()).contains("unknown ggml type 77");
        r = new Raw().header(3, 1, 0).tensor("u", 4, 0, 32).padTo(32).zeros(32);
        assertThat(fails(r.bytes()).getMessage()).contains("unknown ggml type 4");
        // Too many dimensions.
        r = new Raw().header(3, 1, 0).tensor("r", 0, 0, 1, 1, 1, 1, 1).padTo(32).zeros(32);
        assertThat(fails(r.bytes()).getMessage()).contains("has 5 dimensions, expected 0..4");
        // Block type with a row that is not whole blocks.
        r = new Raw().header(3, 1, 0).tensor("q", 8, 0, 31).padTo(32).zeros(64);
        assertThat(fails(r.bytes()).getMessage()).contains("not a multiple of its block size 32");
        // Misaligned offset.
        r = new Raw().header(3, 1, 0).tensor("m", 0, 4, 4).padTo(32).zeros(64);
        assertThat(fails(r.bytes()).getMessage()).contains("offset 4 is not a multiple of the alignment 32");
    }

    @Test
    void dataPastTheEndOrOverlapping() throws Exception {
        Raw r = new Raw().header(3, 1, 0).tensor("t", 0, 0, 1000).padTo(32).zeros(100);
        assertThat(fails(r.bytes()).getMessage()).contains("tensor 't'", "runs past the end of the file");
        r = new Raw().header(3, 2, 0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 16).padTo(32).zeros(128);
        assertThat(fails(r.bytes()).getMessage()).contains("tensor 'b' overlaps tensor 'a'");
        // The data section itself missing.
        r = new Raw().header(3, 1, 0).tensor("t", 0, 0, 1);
        assertThat(fails(r.bytes()).getMessage()).containsAnyOf("before the data section", "past the end");
    }

    @Test
    void everyTruncationOfAValidFileFailsCleanlyOrKeepsAllTensors() throws Exception {
        byte[] good = Files.readAllBytes(Fixtures.copy("fixture_v3.gguf", dir));
        long lastTensorEnd = 0;
        try (GgufFile g = GgufFile.open(dir.resolve("fixture_v3.gguf"))) {
            for (var e : g.entries()) lastTensorEnd = Math.max(lastTensorEnd, e.fileOffset() + e.byteSize());
        }
        for (int n = 0; n < good.length; n++) {
            Path p = dir.resolve("trunc.gguf");
            Files.write(p, Arrays.copyOf(good, n));
            try (GgufFile g = GgufFile.open(p)) {
                assertThat((long) n).as("opened a file cut at %d", n).isGreaterThanOrEqualTo(lastTensorEnd);
                g.tensors();
            } catch (GgufFormatException expected) {
                assertThat(expected.getMessage()).contains("trunc.gguf");
            }
        }
    }
}

package dev.jllm.formats.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SafetensorsMalformedTest {
    @TempDir Path dir;

    private static byte[] file(long headerLen, String json, int dataBytes) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLen).put(j).array();
    }

    private static byte[] file(String json, int dataBytes) {
        return file(json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
    }

    private String fails(byte[] bytes) throws Exception {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        try (SafetensorsFile ignored = SafetensorsFile.open(p)) {
            throw new AssertionError("opened a malformed file");
        } catch (SafetensorsFormatException e) {
            assertThat(e.getMessage()).startsWith(p.toString());
            return e.getMessage();
        }
    }

    @Test
    void headerLengthAndJson() throws Exception {
        assertThat(fails(new byte[5])).contains("too short");
        assertThat(fails(file(1L << 40, "{}", 0))).contains("at byte 0", "header length 1099511627776 is larger than the file");
        assertThat(fails(file(-1, "{}", 0))).contains("header length 18446744073709551615");
        assertThat(fails(file("[1,2]", 0))).contains("must start with '{'");
        assertThat(fails(file("{\"a\": ", 0))).contains("malformed JSON");
        assertThat(fails(file("{\"a\": 1} x", 0))).contains("malformed JSON");
        assertThat(fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4))).contains("Duplicate field 'a'");
        assertThat(fails(file("{\"__metadata__\": {\"k\": 1}}", 0))).contains("__metadata__.k must be a string");
        assertThat(fails(file("{" + "[".repeat(5000) + "]".repeat(5000) + "}", 0))).contains("malformed JSON");
    }

    @Test
    void tensorEntries() throws Exception {
        assertThat(fails(file("{\"t\":{\"dtype\":\"F8_E4M3X\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1)))
                .contains("tensor 't' has unknown dtype \"F8_E4M3X\"");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)))
                .contains("needs 8 bytes but data_offsets [0,4] span 4");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2)))
                .contains("run past the end of the data (2 bytes)");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)))
                .contains("shape[0] must be a non-negative integer");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4)))
                .contains("overflows");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4)))
                .contains("end before they begin");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4))).contains("needs \"data_offsets\"");
        assertThat(fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8))).contains("tensor 'b' data [4, 8) overlaps tensor 'a' [0, 8)");
        assertThat(fails(file("{\"t\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2))).contains("do not fill whole bytes");
    }

    @Test
    void knownButUnsupportedDtypesListButRefuseToDecode() throws Exception {
        Path p = dir.resolve("f8.safetensors");
        Files.write(p, file("{\"t\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.entries().getFirst().dtype()).isEqualTo("F8_E4M3");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.tensor("t"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dtype F8_E4M3, which jllm does not support");
        }
    }
}

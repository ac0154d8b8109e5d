package dev.jllm.tensor.quant;

import dev.jllm.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * jllm's quantizers and dequantizers against ggml's own reference C code: the fixtures were
 * produced by tools/quant/make_quant_goldens.sh (quantize_row_*_ref / dequantize_row_* from
 * ggml, commit in resources/quant/ggml-commit.txt) on 24 blocks of varied data (zeros, tiny,
 * huge, constant, outliers, one-signed, sparse). Equality is exact: same bytes, same floats.
 */
class QuantsGgmlGoldenTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Objects.requireNonNull(QuantsGgmlGoldenTest.class.getResourceAsStream("/quant/" + name), name)) {
            return in.readAllBytes();
        }
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static String file(DType t) {
        return t.name().toLowerCase().replace("_k", "_K");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void quantizeWritesTheBytesGgmlWrites(DType t) throws IOException {
        float[] x = floats(resource("input.f32"));
        byte[] want = resource(file(t) + ".q");
        byte[] got = Quants.quantize(t, x);
        assertThat(got.length).isEqualTo(want.length);
        for (int i = 0; i < want.length; i++) {
            if (got[i] != want[i]) {
                int block = i / t.blockBytes();
                throw new AssertionError(t + ": first differing byte " + i + " (block " + block + ", byte "
                        + (i % t.blockBytes()) + " of " + t.blockBytes() + "): ggml " + (want[i] & 0xff) + ", jllm " + (got[i] & 0xff));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"})
    void dequantizeGivesTheFloatsGgmlGives(DType t) throws IOException {
        byte[] blocks = resource(file(t) + ".q");
        float[] want = floats(resource(file(t) + ".f32"));
        float[] got = Quants.dequantize(t, blocks, want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(Float.floatToIntBits(got[i])).as("%s element %d: ggml %s jllm %s", t, i, want[i], got[i])
                    .isEqualTo(Float.floatToIntBits(want[i]));
        }
    }
}

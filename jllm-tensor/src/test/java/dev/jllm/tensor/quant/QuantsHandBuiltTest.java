package dev.jllm.tensor.quant;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Blocks written byte by byte from the ggml layout, with the values worked out by hand. */
class QuantsHandBuiltTest {

    private static void f16(byte[] b, int o, float v) {
        short h = Float.floatToFloat16(v);
        b[o] = (byte) h;
        b[o + 1] = (byte) (h >> 8);
    }

    @Test
    void q8_0() {
        byte[] b = new byte[34];
        f16(b, 0, 0.5f);
        for (int j = 0; j < 32; j++) b[2 + j] = (byte) (j - 16);
        float[] x = Quants.dequantize(DType.Q8_0, b, 32);
        for (int j = 0; j < 32; j++) assertThat(x[j]).isEqualTo(0.5f * (j - 16));
    }

    @Test
    void q4_0LowNibblesAreTheFirstHalf() {
        byte[] b = new byte[18];
        f16(b, 0, 2f);
        b[2] = (byte) 0x9F; // low 15 -> x[0] = 2 * (15 - 8) = 14, high 9 -> x[16] = 2 * (9 - 8) = 2
        b[3] = (byte) 0x08; // x[1] = 0, x[17] = 2 * (0 - 8) = -16
        float[] x = Quants.dequantize(DType.Q4_0, b, 32);
        assertThat(x[0]).isEqualTo(14f);
        assertThat(x[16]).isEqualTo(2f);
        assertThat(x[1]).isEqualTo(0f);
        assertThat(x[17]).isEqualTo(-16f);
        assertThat(x[2]).isEqualTo(-16f); // zero byte: both nibbles 0
    }

    @Test
    void q5_1FifthBitsComeFromQh() {
        byte[] b = new byte[24];
        f16(b, 0, 1f);   // d
        f16(b, 2, -3f);  // m
        b[4] = 0x01;            // qh bit 0 -> weight 0 gets +16
        b[4 + 2] = (byte) 0x01; // qh bit 16 -> weight 16 gets +16
        b[8] = (byte) 0x21;     // weight 0: low 1, weight 16: high 2
        float[] x = Quants.dequantize(DType.Q5_1, b, 32);
        assertThat(x[0]).isEqualTo(1 * (1 + 16) - 3f);
        assertThat(x[16]).isEqualTo(1 * (2 + 16) - 3f);
        assertThat(x[1]).isEqualTo(-3f);
    }

    @Test
    void q4_kSixBitScalesAndMins() {
        byte[] b = new byte[144];
        f16(b, 0, 0.25f); // d
        f16(b, 2, 0.5f);  // dmin
        // Sub-block 0: scale 5 (scales[0] low 6 bits), min 3 (scales[4] low 6 bits).
        b[4] = 5;
        b[4 + 4] = 3;
        // Sub-block 4 (j >= 4): scale = scales[8] low nibble | (scales[0] >> 6) << 4 = 2 | 1<<4 = 18,
        //                        min = scales[8] high nibble | (scales[4] >> 6) << 4 = 7 | 2<<4 = 39.
        b[4] |= (byte) (1 << 6);
        b[4 + 4] |= (byte) (2 << 6);
        b[4 + 8] = (byte) (2 | (7 << 4));
        b[16] = (byte) 0x0C;       // weight 0 = 12 (low nibble), weight 32 (sub-block 1) = 0
        b[16 + 64] = (byte) 0x03;  // weight 128 (sub-block 4, low nibble) = 3
        float[] x = Quants.dequantize(DType.Q4_K, b, 256);
        assertThat(x[0]).isEqualTo(0.25f * 5 * 12 - 0.5f * 3);
        assertThat(x[128]).isEqualTo(0.25f * 18 * 3 - 0.5f * 39);
    }

    @Test
    void q6_kSignedScalesAndSplitBits() {
        byte[] b = new byte[210];
        f16(b, 208, 0.5f);
        b[192] = -2;                 // scale of weights 0..15
        b[0] = 0x0A;                 // weight 0 low nibble 10
        b[128] = 0x02;               // weight 0 high bits 2 -> q = 10 | 2 << 4 = 42, minus 32 = 10
        float[] x = Quants.dequantize(DType.Q6_K, b, 256);
        assertThat(x[0]).isEqualTo(0.5f * -2 * 10);
        assertThat(x[1]).isEqualTo(0.5f * -2 * -32);
    }

    @Test
    void roundTripErrorIsSmallForEveryType() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[512];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        double rms = Math.sqrt(java.util.Arrays.stream(toDouble(x)).map(v -> v * v).average().orElse(0));
        Object[][] bounds = {{DType.Q8_0, 0.01}, {DType.Q6_K, 0.04}, {DType.Q5_0, 0.06}, {DType.Q5_1, 0.06}, {DType.Q5_K, 0.06},
                {DType.Q4_0, 0.12}, {DType.Q4_1, 0.12}, {DType.Q4_K, 0.12}, {DType.Q3_K, 0.25}, {DType.Q2_K, 0.45}};
        for (Object[] b : bounds) {
            DType t = (DType) b[0];
            float[] y = Tensor.of(x.clone(), 2, 256).to(t).toFloatArray();
            double err = 0;
            for (int i = 0; i < x.length; i++) err += (x[i] - y[i]) * (x[i] - y[i]);
            assertThat(Math.sqrt(err / x.length) / rms).as("relative RMSE of %s", t).isLessThan((double) b[1]);
        }
    }

    @Test
    void partialBlocksAreRejectedNamingTheBlockSize() {
        assertThatThrownBy(() -> Quants.quantize(DType.Q4_K, new float[100]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Q4_K").hasMessageContaining("256");
        assertThatThrownBy(() -> Quants.dequantize(DType.Q8_0, new byte[34], 31))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
        assertThatThrownBy(() -> Quants.quantize(DType.F16, new float[32]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a block-quantized");
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }
}

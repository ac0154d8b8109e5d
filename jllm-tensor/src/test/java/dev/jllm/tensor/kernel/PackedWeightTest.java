package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Ops;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GEMM against a pre-packed weight: the double-precision triple loop of {@link GemmTest} is the
 * reference, and blocked products must also equal the per-call-packing path bit for bit (same
 * panels, same kernel, same order). k crosses the KC block boundary; n is ragged against NR.
 */
class PackedWeightTest {
    private static float[] random(SplittableRandom rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    @Test
    void productEqualsTheReferenceAndThePackingPathBitForBit() {
        SplittableRandom rnd = new SplittableRandom(7);
        int kc = GemmMicroKernel.KC;
        for (int m : new int[]{1, 3, 5, 13, 27, 100}) {
            for (int n : new int[]{1, 4, 5, 33, 100, 385}) {
                for (int k : new int[]{1, 17, kc, kc + 5, 2 * kc + 3}) {
                    float[] a = random(rnd, m * k), w = random(rnd, n * k);
                    PackedWeight p = PackedWeight.of(Tensor.of(w, n, k));
                    float[] packed = new float[m * n], plain = new float[m * n];
                    java.util.Arrays.fill(packed, Float.NaN); // C is overwritten, never read
                    Gemm.sgemm(m, a, 0, k, p, packed, 0, n);
                    Gemm.sgemm(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, plain, 0, n);
                    // Thin products (m or n <= 4) run the unpacked gemv on both sides, whose lane
                    // reductions may round differently before and after C2 compiles them: only the
                    // blocked kernel (FMAs, no reductions) is bit-reproducible across calls.
                    if (Math.min(m, n) > GemmThin.MAX_VECTORS) assertThat(packed).as("m=%d n=%d k=%d", m, n, k).containsExactly(plain);
                    double[] ref = GemmTest.reference(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, new float[m * n], 0, n);
                    for (int i = 0; i < ref.length; i++) {
                        assertThat((double) packed[i]).as("m=%d n=%d k=%d at %d", m, n, k, i).isCloseTo(ref[i], org.assertj.core.data.Offset.offset(1e-4 * Math.sqrt(k)));
                    }
                }
            }
        }
    }

    @Test
    void rowsOfAViewWithAPaddedRowStrideArePacked() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 40, k = 70, m = 9;
        Tensor big = Tensor.of(random(rnd, n * (k + 6)), n, k + 6);
        Tensor w = big.slice(1, 3, 3 + k); // rows of 70 inside rows of 76, starting at column 3
        Tensor x = Tensor.of(random(rnd, m * k), m, k), bias = Tensor.of(random(rnd, n), n);
        Tensor viaPacked = Ops.linear(x, PackedWeight.of(w), bias);
        Tensor direct = Ops.linear(x, w.contiguous(), bias);
        assertThat(viaPacked.toFloatArray()).containsExactly(direct.toFloatArray());
        // one row takes the matvec path on the original weight (reductions: compare with a tolerance)
        Tensor one = Tensor.of(random(rnd, k), 1, k);
        float[] viaOne = Ops.linear(one, PackedWeight.of(w), bias).toFloatArray(), directOne = Ops.linear(one, w.contiguous(), bias).toFloatArray();
        for (int i = 0; i < n; i++) assertThat(viaOne[i]).isCloseTo(directOne[i], org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void refusesWhatItCannotPackAndReportsShapeMismatches() {
        assertThatThrownBy(() -> PackedWeight.of(Tensor.allocate(DType.F16, 4, 4))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heap F32");
        assertThatThrownBy(() -> PackedWeight.of(Tensor.zeros(8))).isInstanceOf(IllegalArgumentException.class);
        PackedWeight p = PackedWeight.of(Tensor.zeros(4, 6));
        assertThatThrownBy(() -> Ops.linear(Tensor.zeros(3, 5), p, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[3, 5]").hasMessageContaining("[4, 6]");
        assertThat(p.bytes()).isEqualTo(4L * GemmBlocked.roundUp(4, GemmMicroKernel.NR) * 6);
    }
}

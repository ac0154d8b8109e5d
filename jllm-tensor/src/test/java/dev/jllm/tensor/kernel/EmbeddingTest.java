package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddingTest {
    private static final int VOCAB = 11, DIM = 64;

    private static float[] table(Random rnd) { return KernelRef.randn(rnd, VOCAB * DIM, 1.0); }

    private static void checkGather(Tensor table, float[] expectRows, double tol) {
        int[] ids = {99, 3, 0, 10, 3, 7};
        float[] out = new float[2 + 5 * DIM];
        Embedding.gather(table, ids, 1, 5, out, 2);
        for (int t = 0; t < 5; t++) {
            for (int i = 0; i < DIM; i++) {
                assertThat((double) out[2 + t * DIM + i]).as("%s token %d dim %d", table.dtype(), t, i)
                        .isCloseTo(expectRows[ids[1 + t] * DIM + i], org.assertj.core.data.Offset.offset(tol));
            }
        }
        assertThat(out[0]).isZero();
        assertThat(out[1]).isZero();
    }

    @Test
    void plainDtypesGatherExactly() {
        Random rnd = new Random(13);
        float[] data = table(rnd);
        checkGather(Tensor.of(data, VOCAB, DIM), data, 0);
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16, DType.F64}) {
            Tensor converted = Tensor.of(data, VOCAB, DIM).to(t);
            checkGather(converted, converted.toFloatArray(), 0); // conversion is the tensor's job; the gather must be exact
        }
        // F16 rounding is within half-precision error of the source
        checkGather(Tensor.of(data, VOCAB, DIM).to(DType.F16), data, 2e-3);
    }

    @Test
    void stridedTablesUseTheirLogicalRows() {
        Random rnd = new Random(14);
        float[] data = table(rnd);
        Tensor transposed = Tensor.of(data, DIM, VOCAB).transpose(0, 1); // [VOCAB, DIM] view with stride 1 on rows
        checkGather(transposed, transposed.toFloatArray(), 0);
        Tensor sliced = Tensor.of(KernelRef.randn(rnd, VOCAB * (DIM + 8), 1.0), VOCAB, DIM + 8).slice(1, 4, 4 + DIM);
        checkGather(sliced, sliced.toFloatArray(), 0);
    }

    /** Q8_0 blocks written by hand from the ggml layout (f16 scale d, then 32 int8 q; value = d*q). */
    @Test
    void quantizedRowsAreDecodedByTheirCodec() {
        Random rnd = new Random(15);
        Tensor q = Tensor.allocate(DType.Q8_0, VOCAB, DIM);
        java.lang.foreign.MemorySegment seg = q.segment();
        float[] expect = new float[VOCAB * DIM];
        long at = 0;
        for (int block = 0; block < VOCAB * DIM / 32; block++) {
            short d = Float.floatToFloat16(0.01f + rnd.nextFloat() * 0.05f);
            seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at, d);
            for (int i = 0; i < 32; i++) {
                byte v = (byte) (rnd.nextInt(255) - 127);
                seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 2 + i, v);
                expect[block * 32 + i] = Float.float16ToFloat(d) * v;
            }
            at += 34;
        }
        try {
            Embedding.gather(q, 0, new float[DIM], 0);
        } catch (UnsupportedOperationException notYet) {
            org.junit.jupiter.api.Assumptions.abort("Q8_0 codec not available yet: " + notYet.getMessage());
        }
        checkGather(q, expect, 1e-6);
    }

    @Test
    void rejectsIdsOutsideTheVocabulary() {
        Tensor t = Tensor.zeros(VOCAB, DIM);
        assertThatThrownBy(() -> Embedding.gather(t, VOCAB, new float[DIM], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11").hasMessageContaining("vocabulary");
        assertThatThrownBy(() -> Embedding.gather(t, -1, new float[DIM], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Embedding.gather(Tensor.zeros(4), 0, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[vocab, dim]");
    }
}

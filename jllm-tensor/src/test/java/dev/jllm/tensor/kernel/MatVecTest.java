package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.jllm.tensor.kernel.MatVecTestData.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MatVec for every weight dtype against a double-precision reference over dequantized
 * weights (see {@link MatVecTestData}), on awkward sizes. The build re-runs this class at
 * vector widths 0 (scalar), 128, 256 and the default.
 */
class MatVecTest {

    @Test
    void floatWeights() {
        Random rnd = new Random(1);
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            for (boolean heap : t == DType.F32 ? new boolean[] {true, false} : new boolean[] {false}) {
                for (int rows : ROWS) {
                    for (int cols : COLS_FLOAT) {
                        Tensor w = randomFloat(rnd, t, heap, rows, cols);
                        check(rnd, t + (heap ? " heap" : " segment"), w);
                    }
                }
            }
        }
    }

    @Test
    void blockQuantizedWeights() {
        Random rnd = new Random(2);
        for (DType t : BLOCK32) {
            for (int rows : ROWS) for (int cols : COLS32) check(rnd, t.toString(), randomQuantized(rnd, t, rows, cols));
        }
    }

    @Test
    void kQuantWeights() {
        Random rnd = new Random(3);
        for (DType t : KQUANTS) {
            for (int rows : ROWS) for (int cols : COLSK) check(rnd, t.toString(), randomQuantized(rnd, t, rows, cols));
        }
    }

    @Test
    void largeRowsSplitOverThreads() {
        Random rnd = new Random(4);
        for (DType t : List.of(DType.F32, DType.F16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K)) {
            Tensor w = t.isQuantized() ? randomQuantized(rnd, t, 301, 512) : randomFloat(rnd, t, false, 301, 515);
            check(rnd, t + " 301 rows", w);
        }
    }

    /** A slice of columns keeps the parent's row stride: rows are not adjacent in storage. */
    @Test
    void stridedRows() {
        Random rnd = new Random(5);
        List<Tensor> ws = new ArrayList<>();
        ws.add(randomFloat(rnd, DType.F32, true, 9, 70).slice(1, 3, 68));
        ws.add(randomFloat(rnd, DType.BF16, false, 9, 70).slice(1, 3, 68));
        ws.add(randomQuantized(rnd, DType.Q4_0, 9, 128).slice(1, 32, 96));
        ws.add(randomQuantized(rnd, DType.Q5_K, 9, 768).slice(1, 256, 768));
        ws.add(randomQuantized(rnd, DType.Q8_0, 12, 64).slice(0, 2, 11));
        for (Tensor w : ws) {
            Tensor dense = w.contiguous();
            int rows = w.size(0), cols = w.size(1);
            float[] x = randomX(rnd, cols);
            float[] y = new float[rows], yDense = new float[rows];
            MatVec.matvec(w, x, 0, y, 0);
            MatVec.matvec(dense, x, 0, yDense, 0);
            assertThat(y).as(w.toString()).containsExactly(yDense);
            assertMatVec(w + " strided", w.dtype(), dequantized(dense), rows, cols, x, 0, y, 0);
        }
    }

    @Test
    void nonFiniteValuesPropagate() {
        Tensor w = Tensor.allocate(DType.F16, 2, 40);
        for (int c = 0; c < 40; c++) { w.set(0.5f, 0, c); w.set(0.5f, 1, c); }
        w.set(Float.POSITIVE_INFINITY, 0, 39);
        w.set(Float.NaN, 1, 17);
        float[] x = new float[40];
        java.util.Arrays.fill(x, 1f);
        float[] y = new float[2];
        MatVec.matvec(w, x, 0, y, 0);
        assertThat(y[0]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(y[1]).isNaN();

        Tensor q = Tensor.allocate(DType.Q8_0, 1, 64);
        x = new float[64];
        x[40] = Float.NaN;
        MatVec.matvec(q, x, 0, y, 0);
        assertThat(y[0]).isNaN();
    }

    @Test
    void offsetsIntoXAndY() {
        Random rnd = new Random(6);
        for (DType t : List.of(DType.F32, DType.Q4_1, DType.Q3_K)) {
            int cols = t.isQuantized() ? t.blockSize() * 2 : 37;
            Tensor w = t.isQuantized() ? randomQuantized(rnd, t, 5, cols) : randomFloat(rnd, t, true, 5, cols);
            float[] x = randomX(rnd, cols + 11);
            float[] y = new float[5 + 7];
            MatVec.matvec(w, x, 11, y, 7);
            assertMatVec(t + " offsets", t, dequantized(w), 5, cols, x, 11, y, 7);
            assertThat(y[6]).isZero();
        }
    }

    @Test
    void badShapesNameTheShapes() {
        Tensor w = Tensor.zeros(4, 8);
        assertThatThrownBy(() -> MatVec.matvec(w, new float[7], 0, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x").hasMessageContaining("[4, 8]");
        assertThatThrownBy(() -> MatVec.matvec(w, new float[8], 0, new float[3], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y").hasMessageContaining("[4, 8]");
        assertThatThrownBy(() -> MatVec.matvec(w, new float[8], 1, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 1");
        assertThatThrownBy(() -> MatVec.matvec(Tensor.zeros(2, 2, 2), new float[8], 0, new float[4], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 2, 2]");
        assertThatThrownBy(() -> MatVec.matvec(Tensor.allocate(DType.I8, 2, 2), new float[2], 0, new float[2], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I8");
        assertThatThrownBy(() -> MatVec.matvec(Tensor.zeros(4, 8).transpose(0, 1), new float[4], 0, new float[8], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contiguous");
    }

    private static void check(Random rnd, String what, Tensor w) {
        int rows = w.size(0), cols = w.size(1);
        float[] x = randomX(rnd, cols);
        float[] y = new float[rows];
        MatVec.matvec(w, x, 0, y, 0);
        assertMatVec(what, w.dtype(), dequantized(w), rows, cols, x, 0, y, 0);
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Gemm against a plain triple-loop reference in double precision, over awkward sizes, all four
 * transpose cases, alpha/beta variants, padded leading dimensions and offsets (submatrices).
 * The build runs this at vector widths 0 (scalar), 128, 256 and the default.
 */
class GemmTest {
    private static final int[] SIZES = {1, 2, 7, 31, 33, 64, 100};
    private static final float[][] ALPHA_BETA = {{1f, 0f}, {-0.5f, 1f}, {2.5f, 0.75f}, {1f, -1f}, {0.25f, 0f}};

    /** C = alpha·op(A)·op(B) + beta·C over the full storage array, in double; beta == 0 ignores C. */
    static double[] reference(boolean ta, boolean tb, int m, int n, int k, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) out[i] = c[i];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += x * y;
                }
                int ci = cOff + i * ldc + j;
                out[ci] = alpha * s + (beta == 0f ? 0.0 : beta * (double) c[ci]);
            }
        }
        return out;
    }

    private static float[] random(SplittableRandom rnd, int len, float scale) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return x;
    }

    private static float maxAbs(float[] x) {
        float m = 0;
        for (float v : x) if (!Float.isNaN(v)) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** Runs one case with the given padding/offset and checks every element of C's storage. */
    private static void check(SplittableRandom rnd, boolean ta, boolean tb, int m, int n, int k,
                              float alpha, float beta, int pad, int off) {
        int aRows = ta ? k : m, aCols = ta ? m : k;
        int bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = Math.max(1, aCols) + pad, ldb = Math.max(1, bCols) + pad, ldc = Math.max(1, n) + pad;
        float[] a = random(rnd, off + aRows * lda, 1f);
        float[] b = random(rnd, off + bRows * ldb, 2f);
        float[] c = random(rnd, off + m * ldc + pad, 1f);
        if (beta == 0f) Arrays.fill(c, Float.NaN); // must not be read, inside or outside the submatrix
        double[] want = reference(ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, c, off, ldc);
        float[] got = c.clone();
        Gemm.sgemm(ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, got, off, ldc);
        double tol = 1e-6 * (k + 1) * Math.abs(alpha) * maxAbs(a) * maxAbs(b)
                + 1e-6 * Math.abs(beta) * maxAbs(c) + 1e-30;
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - off;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) {
                if (Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(c[idx])) {
                    fail(describe(ta, tb, m, n, k, alpha, beta, pad, off) + ": wrote outside C at " + idx);
                }
            } else if (!(Math.abs(got[idx] - want[idx]) <= tol)) {
                fail(describe(ta, tb, m, n, k, alpha, beta, pad, off) + ": C(" + rel / ldc + "," + rel % ldc
                        + ") = " + got[idx] + ", reference " + want[idx] + ", tolerance " + tol);
            }
        }
    }

    private static String describe(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad, int off) {
        return (ta ? "T" : "N") + (tb ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                + " alpha=" + alpha + " beta=" + beta + " pad=" + pad + " off=" + off;
    }

    @Test
    void allSmallSizeCombinationsAndTransposes() {
        SplittableRandom rnd = new SplittableRandom(7);
        int variant = 0;
        for (int m : SIZES) for (int n : SIZES) for (int k : SIZES) {
            for (int t = 0; t < 4; t++) {
                float[] ab = ALPHA_BETA[variant % ALPHA_BETA.length];
                int pad = (variant / 2) % 3 == 0 ? 0 : 3;
                int off = variant % 3 == 0 ? 0 : 5;
                check(rnd, (t & 2) != 0, (t & 1) != 0, m, n, k, ab[0], ab[1], pad, off);
                variant++;
            }
        }
    }

    @Test
    void sizesAcrossBlockBoundaries() {
        // 257 > MC, 520 > KC; 4200 > NC on one thread; 8300 makes two strips per thread (2 threads).
        int[][] shapes = {{257, 33, 100}, {1, 257, 257}, {257, 1, 64}, {64, 257, 7}, {100, 100, 257},
                {257, 257, 257}, {6, 8300, 8}, {8300, 6, 8}, {6, 4200, 8}, {13, 1100, 520}, {600, 20, 530}};
        SplittableRandom rnd = new SplittableRandom(11);
        int variant = 0;
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                float[] ab = ALPHA_BETA[variant % ALPHA_BETA.length];
                check(rnd, (t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2], ab[0], ab[1], variant % 2 == 0 ? 0 : 1, variant % 3);
                variant++;
            }
        }
    }

    @Test
    void thinProductsAroundTheVectorLimit() {
        // m or n <= 4 runs as matrix-vector products (dot or axpy form), 5 is the first blocked size.
        SplittableRandom rnd = new SplittableRandom(5);
        int[] others = {1, 7, 33, 100, 257};
        int variant = 0;
        for (int few = 2; few <= 5; few++) {
            for (int other : others) for (int k : others) {
                for (int t = 0; t < 4; t++) {
                    float[] ab = ALPHA_BETA[variant % ALPHA_BETA.length];
                    boolean ta = (t & 2) != 0, tb = (t & 1) != 0;
                    check(rnd, ta, tb, few, other, k, ab[0], ab[1], variant % 2 == 0 ? 0 : 2, variant % 3);
                    check(rnd, ta, tb, other, few, k, ab[1] == 0f ? ab[0] : -ab[0], ab[1], variant % 2, variant % 4);
                    variant++;
                }
            }
        }
    }

    @Test
    void emptyDimensionsAndZeroAlpha() {
        float[] c = {Float.NaN, Float.NaN, 3f, 4f};
        // k == 0 with beta == 0: C becomes 0 without reading it (NaN does not survive).
        Gemm.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0f, c, 0, 2);
        assertThat(c).containsExactly(0f, 0f, 0f, 0f);
        // alpha == 0: A and B are not read (NaN there does not matter), C = beta·C.
        float[] d = {1f, 2f, 3f, 4f};
        float[] nan = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 2, 2, 2, 0f, nan, 0, 2, nan, 0, 2, 0.5f, d, 0, 2);
        assertThat(d).containsExactly(0.5f, 1f, 1.5f, 2f);
        // m == 0 touches nothing.
        Gemm.sgemm(false, false, 0, 2, 2, 1f, new float[0], 0, 2, new float[4], 0, 2, 0f, new float[0], 0, 2);
    }

    @Test
    void badArgumentsAreRejectedWithTheirNames() {
        float[] a = new float[12], b = new float[12], c = new float[16];
        assertThatThrownBy(() -> Gemm.sgemm(false, false, 3, 4, 4, 1f, a, 0, 3, b, 0, 4, 0f, c, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda");
        assertThatThrownBy(() -> Gemm.sgemm(false, false, 3, 4, 4, 1f, a, 0, 4, b, 0, 4, 0f, c, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B stored 4x4");
        assertThatThrownBy(() -> Gemm.sgemm(false, false, 4, 4, 3, 1f, a, 1, 3, b, 0, 4, 0f, c, 0, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A stored 4x3 at offset 1");
        assertThatThrownBy(() -> Gemm.sgemm(false, true, 2, 2, 2, 1f, a, 0, 2, b, 0, 1, 0f, c, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ldb");
        assertThatThrownBy(() -> Gemm.sgemm(false, false, -1, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m=-1");
    }

    // ---- Tensor-level matmul ------------------------------------------------------------

    private static void assertMatmul(Tensor a, Tensor b) {
        Tensor got = Gemm.matmul(a, b);
        int m = a.size(0), k = a.size(1), n = b.size(1);
        float[] ad = a.toFloatArray(), bd = b.toFloatArray();
        double[] want = reference(false, false, m, n, k, 1f, ad, 0, Math.max(1, k), bd, 0, Math.max(1, n),
                0f, new float[m * n], 0, Math.max(1, n));
        assertThat(got.shape()).containsExactly(m, n);
        assertThat(got.isContiguous()).isTrue();
        float[] g = got.toFloatArray();
        double tol = 1e-6 * (k + 1) * maxAbs(ad) * maxAbs(bd) + 1e-30;
        for (int i = 0; i < g.length; i++) assertEquals(want[i], g[i], tol, "element " + i);
    }

    private static Tensor randomTensor(SplittableRandom rnd, long... shape) {
        int len = 1;
        for (long s : shape) len *= (int) s;
        return Tensor.of(random(rnd, len, 1f), shape);
    }

    @Test
    void matmulUsesViewsInPlace() {
        SplittableRandom rnd = new SplittableRandom(3);
        assertMatmul(randomTensor(rnd, 33, 70), randomTensor(rnd, 70, 45));
        // Transposed views (column-major storage) on either side.
        assertMatmul(randomTensor(rnd, 70, 33).transpose(0, 1), randomTensor(rnd, 45, 70).transpose(0, 1));
        // Slices: row stride larger than the width, and a non-zero offset.
        assertMatmul(randomTensor(rnd, 40, 80).slice(0, 3, 36).slice(1, 5, 75), randomTensor(rnd, 90, 50).slice(0, 10, 80));
        // Row and column vectors, including a single row of a transposed matrix.
        assertMatmul(randomTensor(rnd, 60, 9).transpose(0, 1).slice(0, 4, 5), randomTensor(rnd, 60, 17));
        assertMatmul(randomTensor(rnd, 7, 60), randomTensor(rnd, 1, 60).transpose(0, 1));
        // Neither dimension contiguous: copied first.
        Tensor every2nd = randomTensor(rnd, 20, 30, 2).select(2, 0);
        assertMatmul(every2nd, randomTensor(rnd, 30, 11));
        assertMatmul(randomTensor(rnd, 11, 20), every2nd);
    }

    @Test
    void matmulShapeMismatchNamesBothShapes() {
        assertThatThrownBy(() -> Gemm.matmul(Tensor.zeros(3, 4), Tensor.zeros(5, 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[3, 4]").hasMessageContaining("[5, 6]");
        assertThatThrownBy(() -> Gemm.matmul(Tensor.zeros(2, 3, 4), Tensor.zeros(4, 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 3, 4]").hasMessageContaining("[4, 6]");
        assertThatThrownBy(() -> Gemm.matmul(Tensor.allocate(DType.F16, 2, 2), Tensor.zeros(2, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F16");
    }
}

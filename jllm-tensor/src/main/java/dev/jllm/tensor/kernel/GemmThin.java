package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The m == 1 or n == 1 cases of {@link Gemm}: a matrix-vector product, done straight from the
 * operands without packing (every element of the matrix is used once, so packing would only
 * add a copy).
 *
 * <p>It computes {@code y(i) = alpha·Σ_p M(i,p)·x(p) + beta·y(i)} for i < rows, p < k, where
 * {@code M(i,p) = mat[mOff + i·rs + p·cs]}, {@code x(p) = x[xOff + p·incx]} and
 * {@code y(i) = y[yOff + i·incy]}. One of rs and cs is 1: with cs == 1 each output is a dot
 * product over a contiguous row; with rs == 1 the outputs are contiguous and the product is a
 * sum of scaled columns (axpy form).
 */
final class GemmThin {
    private GemmThin() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;
    /** Outputs per axpy-form block: its accumulator stays in L1 while all k columns stream by. */
    private static final int AXPY_BLOCK = 2048;
    /** Below this many multiply-adds the work stays on the calling thread. */
    private static final long PARALLEL_MIN_MACS = 1L << 16;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int which, int len) {
        float[][] s = SCRATCH.get();
        if (s[which].length < len) s[which] = new float[len];
        return s[which];
    }

    static void gemv(int rows, int k, float alpha, float[] mat, int mOff, int rs, int cs,
                     float[] x, int xOff, int incx, float beta, float[] y, int yOff, int incy) {
        if (cs == 1 || rows == 1) dotForm(rows, k, alpha, mat, mOff, rs, cs, x, xOff, incx, beta, y, yOff, incy);
        else if (rs == 1) axpyForm(rows, k, alpha, mat, mOff, cs, x, xOff, incx, beta, y, yOff, incy);
        else throw new IllegalStateException("gemv needs a unit stride, got rs=" + rs + ", cs=" + cs);
    }

    private static void dotForm(int rows, int k, float alpha, float[] mat, int mOff, int rs, int cs,
                                float[] x, int xOff, int incx, float beta, float[] y, int yOff, int incy) {
        if (cs != 1) { // rows == 1: gather the single strided row
            float[] row = scratch(1, k);
            for (int p = 0; p < k; p++) row[p] = mat[mOff + p * cs];
            mat = row;
            mOff = 0;
        }
        float[] xs = x;
        int xo = xOff;
        if (incx != 1) {
            xs = scratch(0, k);
            xo = 0;
            for (int p = 0; p < k; p++) xs[p] = x[xOff + p * incx];
        }
        final float[] m = mat, xv = xs;
        final int mo = mOff, xoo = xo;
        Parallel.Range body = (s, e) -> {
            for (int i = s; i < e; i++) {
                float v = alpha * dot(m, mo + i * rs, xv, xoo, k);
                int yi = yOff + i * incy;
                y[yi] = beta == 0f ? v : Math.fma(beta, y[yi], v);
            }
        };
        if ((long) rows * k < PARALLEL_MIN_MACS) body.run(0, rows);
        else Parallel.forRange(rows, Math.max(1, (int) (PARALLEL_MIN_MACS / 4 / Math.max(1, k))), body);
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int k) {
        int p = 0;
        float sum = 0f;
        if (!Simd.SCALAR) {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            for (; p <= k - 4 * L; p += 4 * L) {
                s0 = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), s0);
                s1 = FloatVector.fromArray(F, a, ao + p + L).fma(FloatVector.fromArray(F, b, bo + p + L), s1);
                s2 = FloatVector.fromArray(F, a, ao + p + 2 * L).fma(FloatVector.fromArray(F, b, bo + p + 2 * L), s2);
                s3 = FloatVector.fromArray(F, a, ao + p + 3 * L).fma(FloatVector.fromArray(F, b, bo + p + 3 * L), s3);
            }
            for (; p <= k - L; p += L) {
                s0 = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), s0);
            }
            sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        }
        for (; p < k; p++) sum = Math.fma(a[ao + p], b[bo + p], sum);
        return sum;
    }

    private static void axpyForm(int rows, int k, float alpha, float[] mat, int mOff, int cs,
                                 float[] x, int xOff, int incx, float beta, float[] y, int yOff, int incy) {
        int perThread = Math.max(1, (rows + Parallel.threads() - 1) / Parallel.threads());
        int block = (long) rows * k < PARALLEL_MIN_MACS ? AXPY_BLOCK
                : Math.min(AXPY_BLOCK, (perThread + L - 1) / L * L);
        int blocks = (rows + block - 1) / block;
        final int bl = block;
        Parallel.Range body = (s, e) -> {
            float[] acc = scratch(0, bl);
            for (int blk = s; blk < e; blk++) {
                int i0 = blk * bl, len = Math.min(bl, rows - i0);
                java.util.Arrays.fill(acc, 0, len, 0f);
                int col = mOff + i0;
                int p = 0;
                for (; p <= k - 4; p += 4) {
                    axpy4(acc, len, alpha * x[xOff + p * incx], alpha * x[xOff + (p + 1) * incx],
                            alpha * x[xOff + (p + 2) * incx], alpha * x[xOff + (p + 3) * incx],
                            mat, col + p * cs, cs);
                }
                for (; p < k; p++) axpy4(acc, len, alpha * x[xOff + p * incx], 0f, 0f, 0f, mat, col + p * cs, 0);
                for (int i = 0; i < len; i++) {
                    int yi = yOff + (i0 + i) * incy;
                    y[yi] = beta == 0f ? acc[i] : Math.fma(beta, y[yi], acc[i]);
                }
            }
        };
        if ((long) rows * k < PARALLEL_MIN_MACS) body.run(0, blocks);
        else Parallel.forRange(blocks, 1, body);
    }

    /** acc[0..len) += f0·m[o..] + f1·m[o+cs..] + f2·m[o+2cs..] + f3·m[o+3cs..] (cs 0: only f0 used). */
    private static void axpy4(float[] acc, int len, float f0, float f1, float f2, float f3,
                              float[] m, int o, int cs) {
        if (cs == 0) {
            int i = 0;
            if (!Simd.SCALAR) {
                FloatVector v0 = FloatVector.broadcast(F, f0);
                for (; i <= len - L; i += L) {
                    v0.fma(FloatVector.fromArray(F, m, o + i), FloatVector.fromArray(F, acc, i)).intoArray(acc, i);
                }
            }
            for (; i < len; i++) acc[i] = Math.fma(f0, m[o + i], acc[i]);
            return;
        }
        int o1 = o + cs, o2 = o + 2 * cs, o3 = o + 3 * cs;
        int i = 0;
        if (!Simd.SCALAR) {
            FloatVector v0 = FloatVector.broadcast(F, f0), v1 = FloatVector.broadcast(F, f1);
            FloatVector v2 = FloatVector.broadcast(F, f2), v3 = FloatVector.broadcast(F, f3);
            for (; i <= len - L; i += L) {
                FloatVector s = FloatVector.fromArray(F, acc, i);
                s = v0.fma(FloatVector.fromArray(F, m, o + i), s);
                s = v1.fma(FloatVector.fromArray(F, m, o1 + i), s);
                s = v2.fma(FloatVector.fromArray(F, m, o2 + i), s);
                s = v3.fma(FloatVector.fromArray(F, m, o3 + i), s);
                s.intoArray(acc, i);
            }
        }
        for (; i < len; i++) {
            float s = acc[i];
            s = Math.fma(f0, m[o + i], s);
            s = Math.fma(f1, m[o1 + i], s);
            s = Math.fma(f2, m[o2 + i], s);
            s = Math.fma(f3, m[o3 + i], s);
            acc[i] = s;
        }
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The thin cases of {@link Gemm}: m or n at most {@link #MAX_VECTORS} (a decode step, a few
 * sequences, a matrix-vector product). They run straight from the operands without packing:
 * every element of the big matrix is used only a few times, so packing it would cost more
 * than the arithmetic, and the product is bound by reading that matrix once.
 *
 * <p>It computes, for each of {@code cnt} vectors v,
 * {@code y_v(i) = alpha·Σ_p M(i,p)·x_v(p) + beta·y_v(i)} for i < rows, p < k, where
 * {@code M(i,p) = mat[mOff + i·rs + p·cs]}, {@code x_v(p) = x[xOff + v·xv + p·incx]} and
 * {@code y_v(i) = y[yOff + v·yv + i·incy]}. One of rs and cs is 1: with cs == 1 each output
 * is a dot product over a contiguous matrix row (dot form); with rs == 1 the outputs are
 * contiguous and the product is a sum of scaled matrix columns (axpy form).
 */
final class GemmThin {
    private GemmThin() {}

    /** Most vectors handled at once; products with both m and n larger go to the blocked path. */
    static final int MAX_VECTORS = 4;

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;
    /** Outputs per axpy-form block: its accumulators stay in L1 while all k columns stream by. */
    private static final int AXPY_BLOCK = 2048;
    /** Below this many multiply-adds the work stays on the calling thread. */
    private static final long PARALLEL_MIN_MACS = 1L << 16;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int which, int len) {
        float[][] s = SCRATCH.get();
        if (s[which].length < len) s[which] = new float[len];
        return s[which];
    }

    static void gemv(int cnt, int rows, int k, float alpha, float[] mat, int mOff, int rs, int cs,
                     float[] x, int xOff, int xv, int incx, float beta, float[] y, int yOff, int yv, int incy) {
        if (cnt < 1 || cnt > MAX_VECTORS) throw new IllegalStateException("gemv handles 1.." + MAX_VECTORS + " vectors, got " + cnt);
        if (cs == 1 || rows == 1) dotForm(cnt, rows, k, alpha, mat, mOff, rs, cs, x, xOff, xv, incx, beta, y, yOff, yv, incy);
        else if (rs == 1) axpyForm(cnt, rows, k, alpha, mat, mOff, cs, x, xOff, xv, incx, beta, y, yOff, yv, incy);
        else throw new IllegalStateException("gemv needs a unit stride, got rs=" + rs + ", cs=" + cs);
    }

    // ---- dot form --------------------------------------------------------------------

    private static void dotForm(int cnt, int rows, int k, float alpha, float[] mat, int mOff, int rs, int cs,
                                float[] x, int xOff, int xv, int incx, float beta, float[] y, int yOff, int yv, int incy) {
        if (cs != 1) { // rows == 1: gather the single strided matrix row
            float[] row = scratch(1, k);
            for (int p = 0; p < k; p++) row[p] = mat[mOff + p * cs];
            mat = row;
            mOff = 0;
        }
        // The vectors, contiguous: xs[v*k + p]. Cheap next to the matrix (cnt·k vs rows·k).
        float[] xs = scratch(0, cnt * k);
        for (int v = 0; v < cnt; v++) {
            int src = xOff + v * xv;
            if (incx == 1) System.arraycopy(x, src, xs, v * k, k);
            else for (int p = 0; p < k; p++) xs[v * k + p] = x[src + p * incx];
        }
        final float[] m = mat;
        final int mo = mOff;
        Parallel.Range body = (s, e) -> {
            float[] out = new float[MAX_VECTORS];
            for (int i = s; i < e; i++) {
                int row = mo + i * rs;
                if (cnt == 1) out[0] = dot(m, row, xs, 0, k);
                else dot4(m, row, xs, 0, Math.min(1, cnt - 1) * k, Math.min(2, cnt - 1) * k, Math.min(3, cnt - 1) * k, k, out);
                for (int v = 0; v < cnt; v++) {
                    float r = alpha * out[v];
                    int yi = yOff + v * yv + i * incy;
                    y[yi] = beta == 0f ? r : Math.fma(beta, y[yi], r);
                }
            }
        };
        if ((long) rows * k * cnt < PARALLEL_MIN_MACS) body.run(0, rows);
        else Parallel.forRange(rows, Math.max(1, (int) (PARALLEL_MIN_MACS / 4 / Math.max(1, (long) k * cnt))), body);
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

    /** out[v] = Σ_p a[ao+p]·xs[x_v+p] for the four vectors at x0..x3 (repeat one to do fewer). */
    private static void dot4(float[] a, int ao, float[] xs, int x0, int x1, int x2, int x3, int k, float[] out) {
        int p = 0;
        float r0 = 0f, r1 = 0f, r2 = 0f, r3 = 0f;
        if (!Simd.SCALAR) {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            FloatVector s2 = FloatVector.zero(F), s3 = FloatVector.zero(F);
            for (; p <= k - L; p += L) {
                FloatVector m = FloatVector.fromArray(F, a, ao + p);
                s0 = m.fma(FloatVector.fromArray(F, xs, x0 + p), s0);
                s1 = m.fma(FloatVector.fromArray(F, xs, x1 + p), s1);
                s2 = m.fma(FloatVector.fromArray(F, xs, x2 + p), s2);
                s3 = m.fma(FloatVector.fromArray(F, xs, x3 + p), s3);
            }
            r0 = s0.reduceLanes(VectorOperators.ADD);
            r1 = s1.reduceLanes(VectorOperators.ADD);
            r2 = s2.reduceLanes(VectorOperators.ADD);
            r3 = s3.reduceLanes(VectorOperators.ADD);
        }
        for (; p < k; p++) {
            float m = a[ao + p];
            r0 = Math.fma(m, xs[x0 + p], r0);
            r1 = Math.fma(m, xs[x1 + p], r1);
            r2 = Math.fma(m, xs[x2 + p], r2);
            r3 = Math.fma(m, xs[x3 + p], r3);
        }
        out[0] = r0; out[1] = r1; out[2] = r2; out[3] = r3;
    }

    // ---- axpy form -------------------------------------------------------------------

    private static void axpyForm(int cnt, int rows, int k, float alpha, float[] mat, int mOff, int cs,
                                 float[] x, int xOff, int xv, int incx, float beta, float[] y, int yOff, int yv, int incy) {
        boolean parallel = (long) rows * k * cnt >= PARALLEL_MIN_MACS;
        int perThread = Math.max(1, (rows + Parallel.threads() - 1) / Parallel.threads());
        int block = parallel ? Math.min(AXPY_BLOCK, (perThread + L - 1) / L * L) : AXPY_BLOCK;
        int blocks = (rows + block - 1) / block;
        Parallel.Range body = (s, e) -> {
            float[] acc = scratch(0, cnt * block); // acc[v*block + i]
            for (int blk = s; blk < e; blk++) {
                int i0 = blk * block, len = Math.min(block, rows - i0);
                for (int v = 0; v < cnt; v++) java.util.Arrays.fill(acc, v * block, v * block + len, 0f);
                int col = mOff + i0;
                if (cnt == 1) {
                    int p = 0;
                    for (; p <= k - 4; p += 4) {
                        axpy4(acc, len, alpha * x[xOff + p * incx], alpha * x[xOff + (p + 1) * incx],
                                alpha * x[xOff + (p + 2) * incx], alpha * x[xOff + (p + 3) * incx],
                                mat, col + p * cs, cs);
                    }
                    for (; p < k; p++) axpy4(acc, len, alpha * x[xOff + p * incx], 0f, 0f, 0f, mat, col + p * cs, 0);
                } else {
                    for (int p = 0; p < k; p++) {
                        float f0 = alpha * x[xOff + p * incx];
                        float f1 = alpha * x[xOff + xv + p * incx];
                        float f2 = cnt > 2 ? alpha * x[xOff + 2 * xv + p * incx] : 0f;
                        float f3 = cnt > 3 ? alpha * x[xOff + 3 * xv + p * incx] : 0f;
                        columnInto(acc, block, len, cnt, f0, f1, f2, f3, mat, col + p * cs);
                    }
                }
                for (int v = 0; v < cnt; v++) {
                    for (int i = 0; i < len; i++) {
                        int yi = yOff + v * yv + (i0 + i) * incy;
                        float r = acc[v * block + i];
                        y[yi] = beta == 0f ? r : Math.fma(beta, y[yi], r);
                    }
                }
            }
        };
        if (!parallel) body.run(0, blocks);
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

    /** acc[v*stride + i] += f_v·m[o + i] for i < len, v < cnt (2..4): one pass over the column. */
    private static void columnInto(float[] acc, int stride, int len, int cnt, float f0, float f1, float f2, float f3,
                                   float[] m, int o) {
        int a1 = stride, a2 = 2 * stride, a3 = 3 * stride;
        int i = 0;
        if (!Simd.SCALAR) {
            FloatVector v0 = FloatVector.broadcast(F, f0), v1 = FloatVector.broadcast(F, f1);
            FloatVector v2 = FloatVector.broadcast(F, f2), v3 = FloatVector.broadcast(F, f3);
            for (; i <= len - L; i += L) {
                FloatVector c = FloatVector.fromArray(F, m, o + i);
                v0.fma(c, FloatVector.fromArray(F, acc, i)).intoArray(acc, i);
                v1.fma(c, FloatVector.fromArray(F, acc, a1 + i)).intoArray(acc, a1 + i);
                if (cnt > 2) v2.fma(c, FloatVector.fromArray(F, acc, a2 + i)).intoArray(acc, a2 + i);
                if (cnt > 3) v3.fma(c, FloatVector.fromArray(F, acc, a3 + i)).intoArray(acc, a3 + i);
            }
        }
        for (; i < len; i++) {
            float c = m[o + i];
            acc[i] = Math.fma(f0, c, acc[i]);
            acc[a1 + i] = Math.fma(f1, c, acc[a1 + i]);
            if (cnt > 2) acc[a2 + i] = Math.fma(f2, c, acc[a2 + i]);
            if (cnt > 3) acc[a3 + i] = Math.fma(f3, c, acc[a3 + i]);
        }
    }
}

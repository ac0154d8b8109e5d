package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.util.Arrays;

/**
 * Single-precision general matrix multiply, BLAS-style on row-major arrays:
 * {@code C = alpha·op(A)·op(B) + beta·C}, with op(X) = X or Xᵀ.
 *
 * <p>op(A) is m×k, op(B) is k×n, C is m×n. A is stored m×k (k×m when transA) with row
 * stride {@code lda}; B is stored k×n (n×k when transB) with row stride {@code ldb}; C has
 * row stride {@code ldc}. As in BLAS, beta == 0 means C is not read (NaN or garbage there
 * does not leak), and alpha == 0 or k == 0 means A and B are not read.
 *
 * <p>Products with m or n at most 4 run as matrix-vector products ({@link GemmThin});
 * everything else runs the packed, cache-blocked, multithreaded kernel ({@link GemmBlocked}).
 */
public final class Gemm {
    private Gemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm dimensions must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        checkMatrix("A", a, aOff, lda, transA ? k : m, transA ? m : k, alpha != 0f && m > 0 && n > 0);
        checkMatrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n, alpha != 0f && m > 0 && n > 0);
        checkMatrix("C", c, cOff, ldc, m, n, true);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (Math.min(m, n) <= GemmThin.MAX_VECTORS) {
            thin(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            GemmBlocked.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * {@code C = A·wᵀ} (C overwritten) for A stored m×k row-major with row stride {@code lda}
     * and a weight packed ahead of time: the blocked kernel reads its panels instead of packing
     * wᵀ on every call. Results equal {@code sgemm(false, true, …, w.weight() …, 0f, …)} bit for bit.
     */
    public static void sgemm(int m, float[] a, int aOff, int lda, PackedWeight w, float[] c, int cOff, int ldc) {
        int n = w.n, k = w.k;
        if (m < 0) throw new IllegalArgumentException("sgemm dimensions must be >= 0, got m=" + m);
        Tensor t = w.weight();
        int ldw = n > 1 ? (int) t.strides()[0] : Math.max(1, k);
        if (m == 0 || n == 0 || k == 0 || Math.min(m, n) <= GemmThin.MAX_VECTORS) {
            sgemm(false, true, m, n, k, 1f, a, aOff, lda, t.heapArray(), (int) t.offset(), ldw, 0f, c, cOff, ldc);
            return;
        }
        checkMatrix("A", a, aOff, lda, m, k, true);
        checkMatrix("C", c, cOff, ldc, m, n, true);
        GemmBlocked.sgemm(false, m, 1f, a, aOff, lda, w, 0f, c, cOff, ldc);
    }

    /** m or n <= 4: matrix-vector products against the other operand, which is read once. */
    private static void thin(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m <= n) {
            // The m rows of op(A) are the vectors; C row v, element j = Σ_p op(B)(p,j)·op(A)(v,p).
            GemmThin.gemv(m, n, k, alpha, b, bOff, transB ? ldb : 1, transB ? 1 : ldb,
                    a, aOff, transA ? 1 : lda, transA ? lda : 1, beta, c, cOff, ldc, 1);
        } else {
            // The n columns of op(B) are the vectors; C column v, element i = Σ_p op(A)(i,p)·op(B)(p,v).
            GemmThin.gemv(n, m, k, alpha, a, aOff, transA ? 1 : lda, transA ? lda : 1,
                    b, bOff, transB ? ldb : 1, transB ? 1 : ldb, beta, c, cOff, 1, ldc);
        }
    }

    /**
     * The product of two rank-2 heap F32 tensors, [m,k]·[k,n] → a new contiguous [m,n] tensor.
     * Transposed and sliced views are used in place (their strides become trans/ld); only a
     * view with neither dimension contiguous is copied first.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(0)) {
            throw new IllegalArgumentException("matmul needs [m,k]·[k,n], got " + Arrays.toString(a.shape())
                    + " · " + Arrays.toString(b.shape()));
        }
        a = heapF32("left", a);
        b = heapF32("right", b);
        int m = a.size(0), k = a.size(1), n = b.size(1);
        Tensor out = Tensor.zeros(m, n);
        Layout la = Layout.of(a, m, k), lb = Layout.of(b, k, n);
        sgemm(la.trans, lb.trans, m, n, k, 1f, la.data, la.off, la.ld, lb.data, lb.off, lb.ld,
                0f, out.heapArray(), 0, Math.max(1, n));
        return out;
    }

    private static Tensor heapF32(String side, Tensor t) {
        if (t.dtype() != DType.F32 || !t.isHeap()) {
            throw new IllegalArgumentException("matmul needs heap F32 tensors, " + side + " operand is " + t
                    + " (convert with toF32())");
        }
        return t;
    }

    /** How a rank-2 view maps onto sgemm's (trans, ld) description of its storage. */
    private record Layout(boolean trans, float[] data, int off, int ld) {
        static Layout of(Tensor t, int rows, int cols) {
            long[] st = t.strides();
            // Strides of size-1 dimensions are irrelevant; treat them as whatever fits.
            boolean rowMajor = cols <= 1 || st[1] == 1;
            long ldRow = rows <= 1 ? Math.max(1, cols) : st[0];
            if (rowMajor && ldRow >= Math.max(1, cols) && ldRow <= Integer.MAX_VALUE) {
                return new Layout(false, t.heapArray(), (int) t.offset(), (int) ldRow);
            }
            boolean colMajor = rows <= 1 || st[0] == 1;
            long ldCol = cols <= 1 ? Math.max(1, rows) : st[1];
            if (colMajor && ldCol >= Math.max(1, rows) && ldCol <= Integer.MAX_VALUE) {
                return new Layout(true, t.heapArray(), (int) t.offset(), (int) ldCol);
            }
            return new Layout(false, t.toFloatArray(), 0, Math.max(1, cols));
        }
    }

    /** C = beta·C without reading C when beta == 0. */
    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) Arrays.fill(c, row, row + n, 0f);
            else for (int j = 0; j < n; j++) c[row + j] *= beta;
        }
    }

    /** Checks that a rows×cols matrix at {@code off} with row stride {@code ld} lies inside {@code data}. */
    private static void checkMatrix(String name, float[] data, int off, int ld, int rows, int cols, boolean read) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("ld" + name.toLowerCase() + " must be >= max(1, " + cols
                    + ") for " + name + " stored " + rows + "x" + cols + ", got " + ld);
        }
        if (!read || rows == 0 || cols == 0) return;
        if (data == null) throw new IllegalArgumentException(name + " is null");
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > data.length) {
            throw new IllegalArgumentException(name + " stored " + rows + "x" + cols + " at offset " + off
                    + " with ld " + ld + " needs " + last + " floats but the array has " + data.length);
        }
    }
}

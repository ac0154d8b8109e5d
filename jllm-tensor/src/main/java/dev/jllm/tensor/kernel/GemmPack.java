package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of op(A) and op(B) into the contiguous micro-panel order the
 * {@link GemmMicroKernel} streams through, zero-padding ragged edges so the kernel always
 * computes full tiles. Packing is where the transposes are absorbed: after it, all four
 * trans combinations run the same kernel.
 *
 * <p>Loop orders were chosen by measurement. Transposing B copies (a panel row gathered from a
 * storage column) work in short runs of {@link #RUN} steps so the panel lines they scatter
 * into stay in L1. Packing A stored transposed reads each storage row once across all panels
 * it feeds: walking it panel by panel would revisit rows a power of two apart, which share L1
 * sets, and miss every time.
 */
final class GemmPack {
    private GemmPack() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;
    private static final int MR = GemmMicroKernel.MR;
    private static final int NR = GemmMicroKernel.NR;
    /** Steps along k per transposing pass. */
    private static final int RUN = 128;

    /**
     * Packs rows [i0, i0+mb) × columns [p0, p0+kb) of op(A), rows padded with zeros to a
     * multiple of MR. A stored untransposed keeps its rows: element (i, p) goes to
     * {@code dst[i*A_ROW_STRIDE + p]}, a plain row copy. A stored transposed is packed by k step, in
     * panels of MR rows: element (ir+r, p) goes to {@code dst[ir*kb + p*MR + r]}, so each
     * storage row is read once, left to right. The kernel reads either layout.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mb, int p0, int kb, float[] dst) {
        if (!transA) {
            int stride = GemmMicroKernel.A_ROW_STRIDE;
            for (int i = 0; i < mb; i++) System.arraycopy(a, aOff + (i0 + i) * lda + p0, dst, i * stride, kb);
            for (int i = mb; i < roundUp(mb); i++) java.util.Arrays.fill(dst, i * stride, i * stride + kb, 0f);
            return;
        }
        // op(A)(i, p) = a[aOff + p*lda + i]: row p of storage holds step p of every panel.
        for (int p = 0; p < kb; p++) {
            int s = aOff + (p0 + p) * lda + i0;
            for (int ir = 0; ir < mb; ir += MR) {
                int mr = Math.min(MR, mb - ir);
                int o = ir * kb + p * MR;
                for (int r = 0; r < mr; r++) dst[o + r] = a[s + ir + r];
                for (int r = mr; r < MR; r++) dst[o + r] = 0f;
            }
        }
    }

    private static int roundUp(int rows) {
        return (rows + MR - 1) / MR * MR;
    }

    /**
     * Packs rows [p0, p0+kb) × columns [j0, j0+nb) of op(B) as panels of NR columns: element
     * (p, jr+j) goes to {@code dst[jr*kb + p*NR + j]}.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kb, int j0, int nb, float[] dst) {
        packB(transB, b, bOff, ldb, p0, kb, j0, nb, dst, 0);
    }

    /** {@link #packB(boolean, float[], int, int, int, int, int, int, float[])} into {@code dst} from {@code dstOff} on. */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kb, int j0, int nb, float[] dst, int dstOff) {
        if (!transB) {
            // op(B)(p, j) = b[bOff + p*ldb + j]: each step p copies a contiguous run of nr columns.
            for (int jr = 0; jr < nb; jr += NR) {
                int nr = Math.min(NR, nb - jr);
                int d = dstOff + jr * kb;
                int src = bOff + p0 * ldb + j0 + jr;
                for (int p = 0; p < kb; p++) {
                    int s = src + p * ldb;
                    int o = d + p * NR;
                    if (nr == NR && !Simd.SCALAR) {
                        for (int q = 0; q < NR; q += L) FloatVector.fromArray(F, b, s + q).intoArray(dst, o + q);
                    } else {
                        for (int j = 0; j < nr; j++) dst[o + j] = b[s + j];
                        for (int j = nr; j < NR; j++) dst[o + j] = 0f;
                    }
                }
            }
            return;
        }
        // op(B)(p, j) = b[bOff + j*ldb + p]: each panel column is a contiguous run along p.
        for (int jr = 0; jr < nb; jr += NR) {
            int nr = Math.min(NR, nb - jr);
            int d = dstOff + jr * kb;
            int src = bOff + (j0 + jr) * ldb + p0;
            for (int q0 = 0; q0 < kb; q0 += RUN) {
                int q1 = Math.min(kb, q0 + RUN);
                for (int j = 0; j < nr; j++) {
                    int s = src + j * ldb;
                    for (int p = q0; p < q1; p++) dst[d + p * NR + j] = b[s + p];
                }
                for (int j = nr; j < NR; j++) {
                    for (int p = q0; p < q1; p++) dst[d + p * NR + j] = 0f;
                }
            }
        }
    }
}

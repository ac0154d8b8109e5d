package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of op(A) and op(B) into the contiguous micro-panel order the
 * {@link GemmMicroKernel} streams through, zero-padding ragged edges so the kernel always
 * computes full tiles. Packing is where the transposes are absorbed: after it, all four
 * trans combinations run the same kernel.
 */
final class GemmPack {
    private GemmPack() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;
    private static final int MR = GemmMicroKernel.MR;
    private static final int NR = GemmMicroKernel.NR;

    /**
     * Packs rows [i0, i0+mb) × columns [p0, p0+kb) of op(A) as panels of MR rows: element
     * (ir+r, p) goes to {@code dst[ir*kb + p*MR + r]}.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mb, int p0, int kb, float[] dst) {
        for (int ir = 0; ir < mb; ir += MR) {
            int mr = Math.min(MR, mb - ir);
            int d = ir * kb;
            if (!transA) {
                // op(A)(i, p) = a[aOff + i*lda + p]: each panel row is a contiguous run along p.
                int src = aOff + (i0 + ir) * lda + p0;
                for (int r = 0; r < mr; r++) {
                    int s = src + r * lda;
                    for (int p = 0; p < kb; p++) dst[d + p * MR + r] = a[s + p];
                }
                for (int r = mr; r < MR; r++) {
                    for (int p = 0; p < kb; p++) dst[d + p * MR + r] = 0f;
                }
            } else {
                // op(A)(i, p) = a[aOff + p*lda + i]: each step p is a contiguous run of mr rows.
                int src = aOff + p0 * lda + i0 + ir;
                for (int p = 0; p < kb; p++) {
                    int s = src + p * lda;
                    int o = d + p * MR;
                    for (int r = 0; r < mr; r++) dst[o + r] = a[s + r];
                    for (int r = mr; r < MR; r++) dst[o + r] = 0f;
                }
            }
        }
    }

    /**
     * Packs rows [p0, p0+kb) × columns [j0, j0+nb) of op(B) as panels of NR columns: element
     * (p, jr+j) goes to {@code dst[jr*kb + p*NR + j]}.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kb, int j0, int nb, float[] dst) {
        for (int jr = 0; jr < nb; jr += NR) {
            int nr = Math.min(NR, nb - jr);
            int d = jr * kb;
            if (!transB) {
                // op(B)(p, j) = b[bOff + p*ldb + j]: each step p copies a contiguous run of nr columns.
                int src = bOff + p0 * ldb + j0 + jr;
                if (nr == NR && !Simd.SCALAR) {
                    for (int p = 0; p < kb; p++) {
                        int s = src + p * ldb;
                        int o = d + p * NR;
                        for (int q = 0; q < NR; q += L) FloatVector.fromArray(F, b, s + q).intoArray(dst, o + q);
                    }
                } else {
                    for (int p = 0; p < kb; p++) {
                        int s = src + p * ldb;
                        int o = d + p * NR;
                        for (int j = 0; j < nr; j++) dst[o + j] = b[s + j];
                        for (int j = nr; j < NR; j++) dst[o + j] = 0f;
                    }
                }
            } else {
                // op(B)(p, j) = b[bOff + j*ldb + p]: each panel column is a contiguous run along p.
                int src = bOff + (j0 + jr) * ldb + p0;
                for (int j = 0; j < nr; j++) {
                    int s = src + j * ldb;
                    for (int p = 0; p < kb; p++) dst[d + p * NR + j] = b[s + p];
                }
                for (int j = nr; j < NR; j++) {
                    for (int p = 0; p < kb; p++) dst[d + p * NR + j] = 0f;
                }
            }
        }
    }
}

package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of {@link Gemm}: one {@link #MR}×{@link #NR} tile of C from
 * a packed A micro-panel ({@code kb} steps of MR floats) and a packed B micro-panel ({@code kb}
 * steps of NR floats), as in Goto/BLIS.
 *
 * <p>The vector tile is 12 rows × 2 vectors on hardware with 32 vector registers (AVX-512):
 * 24 accumulators, two B loads and twelve A broadcasts per step, so each loaded B vector feeds
 * 12 FMAs. Elsewhere it is 6 rows × 2 vectors (12 accumulators), which still fits 16
 * registers. The scalar path ({@code jllm.vectorBits=0}) uses a 4×4 tile of plain floats.
 * The kernel writes its accumulators to a small tile buffer; {@link #merge} then applies alpha
 * and beta, so the hot loop never touches C and edge tiles need no kernel of their own.
 */
final class GemmMicroKernel {
    private GemmMicroKernel() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;

    /**
     * 24 accumulators need the 32 vector registers of AVX-512 hardware; with 16 (AVX2) a
     * 12-row tile would spill. The forced 128-bit width (a test mode on such hardware) takes
     * the 6-row tile too, so the width-matrix tests cover both kernels.
     */
    private static final boolean TALL = Simd.BITS >= 256 && Simd.hardwareBits() >= 512;

    /** Rows of C per tile. */
    static final int MR = Simd.SCALAR ? 4 : TALL ? 12 : 6;
    /** Columns of C per tile. */
    static final int NR = Simd.SCALAR ? 4 : 2 * L;
    /** Depth of a packed block (k direction). */
    static final int KC = Math.max(1, Integer.getInteger("jllm.gemm.kc", 512));
    /**
     * Row stride of row-layout A panels: a constant, so the kernel addresses the rows at fixed
     * offsets from one index, and one cache line more than KC, so the rows a kernel reads
     * together do not all fall into the same L1 set (KC floats is a power-of-two distance).
     */
    static final int A_ROW_STRIDE = KC + 16;

    /**
     * tile[r*NR + c] = Σ_p A(r,p)·bp[bi + p*NR + c] for the full MR×NR tile, where A(r,p) is
     * {@code ap[ai + r*A_ROW_STRIDE + p]} when {@code aRows} (the panel holds A's rows, each a
     * plain copy) and {@code ap[ai + p*MR + r]} otherwise (the panel holds A's k steps, as
     * transposed storage packs most cheaply).
     */
    static void compute(int kb, float[] ap, int ai, boolean aRows, float[] bp, int bi, float[] tile) {
        if (Simd.SCALAR) {
            if (aRows) scalar4x4(kb, ap, ai, 1, A_ROW_STRIDE, bp, bi, tile);
            else scalar4x4(kb, ap, ai, MR, 1, bp, bi, tile);
        } else if (TALL) {
            if (aRows) vector12x2Rows(kb, ap, ai, bp, bi, tile);
            else vector12x2Steps(kb, ap, ai, bp, bi, tile);
        } else {
            if (aRows) vector6x2Rows(kb, ap, ai, bp, bi, tile);
            else vector6x2Steps(kb, ap, ai, bp, bi, tile);
        }
    }

    // The vector kernels below are written out by hand-unrolling (one local per accumulator):
    // C2 keeps such locals in registers, where arrays of vectors would live in memory.

    private static void vector12x2Rows(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        FloatVector c10_0 = FloatVector.zero(F), c10_1 = FloatVector.zero(F);
        FloatVector c11_0 = FloatVector.zero(F), c11_1 = FloatVector.zero(F);
        for (int p = 0; p < kb; p++) {
            int ao = ai + p;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * L);
            FloatVector a = FloatVector.broadcast(F, ap[ao]);
            c0_0 = a.fma(b0, c0_0);
            c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ao + 1 * A_ROW_STRIDE]);
            c1_0 = a.fma(b0, c1_0);
            c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ao + 2 * A_ROW_STRIDE]);
            c2_0 = a.fma(b0, c2_0);
            c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ao + 3 * A_ROW_STRIDE]);
            c3_0 = a.fma(b0, c3_0);
            c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ao + 4 * A_ROW_STRIDE]);
            c4_0 = a.fma(b0, c4_0);
            c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ao + 5 * A_ROW_STRIDE]);
            c5_0 = a.fma(b0, c5_0);
            c5_1 = a.fma(b1, c5_1);
            a = FloatVector.broadcast(F, ap[ao + 6 * A_ROW_STRIDE]);
            c6_0 = a.fma(b0, c6_0);
            c6_1 = a.fma(b1, c6_1);
            a = FloatVector.broadcast(F, ap[ao + 7 * A_ROW_STRIDE]);
            c7_0 = a.fma(b0, c7_0);
            c7_1 = a.fma(b1, c7_1);
            a = FloatVector.broadcast(F, ap[ao + 8 * A_ROW_STRIDE]);
            c8_0 = a.fma(b0, c8_0);
            c8_1 = a.fma(b1, c8_1);
            a = FloatVector.broadcast(F, ap[ao + 9 * A_ROW_STRIDE]);
            c9_0 = a.fma(b0, c9_0);
            c9_1 = a.fma(b1, c9_1);
            a = FloatVector.broadcast(F, ap[ao + 10 * A_ROW_STRIDE]);
            c10_0 = a.fma(b0, c10_0);
            c10_1 = a.fma(b1, c10_1);
            a = FloatVector.broadcast(F, ap[ao + 11 * A_ROW_STRIDE]);
            c11_0 = a.fma(b0, c11_0);
            c11_1 = a.fma(b1, c11_1);
        }
        c0_0.intoArray(tile, 0 * L);
        c0_1.intoArray(tile, 1 * L);
        c1_0.intoArray(tile, 2 * L);
        c1_1.intoArray(tile, 3 * L);
        c2_0.intoArray(tile, 4 * L);
        c2_1.intoArray(tile, 5 * L);
        c3_0.intoArray(tile, 6 * L);
        c3_1.intoArray(tile, 7 * L);
        c4_0.intoArray(tile, 8 * L);
        c4_1.intoArray(tile, 9 * L);
        c5_0.intoArray(tile, 10 * L);
        c5_1.intoArray(tile, 11 * L);
        c6_0.intoArray(tile, 12 * L);
        c6_1.intoArray(tile, 13 * L);
        c7_0.intoArray(tile, 14 * L);
        c7_1.intoArray(tile, 15 * L);
        c8_0.intoArray(tile, 16 * L);
        c8_1.intoArray(tile, 17 * L);
        c9_0.intoArray(tile, 18 * L);
        c9_1.intoArray(tile, 19 * L);
        c10_0.intoArray(tile, 20 * L);
        c10_1.intoArray(tile, 21 * L);
        c11_0.intoArray(tile, 22 * L);
        c11_1.intoArray(tile, 23 * L);
    }

    private static void vector12x2Steps(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        FloatVector c6_0 = FloatVector.zero(F), c6_1 = FloatVector.zero(F);
        FloatVector c7_0 = FloatVector.zero(F), c7_1 = FloatVector.zero(F);
        FloatVector c8_0 = FloatVector.zero(F), c8_1 = FloatVector.zero(F);
        FloatVector c9_0 = FloatVector.zero(F), c9_1 = FloatVector.zero(F);
        FloatVector c10_0 = FloatVector.zero(F), c10_1 = FloatVector.zero(F);
        FloatVector c11_0 = FloatVector.zero(F), c11_1 = FloatVector.zero(F);
        for (int p = 0; p < kb; p++) {
            int ao = ai + p * 12;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * L);
            FloatVector a = FloatVector.broadcast(F, ap[ao]);
            c0_0 = a.fma(b0, c0_0);
            c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ao + 1]);
            c1_0 = a.fma(b0, c1_0);
            c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ao + 2]);
            c2_0 = a.fma(b0, c2_0);
            c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ao + 3]);
            c3_0 = a.fma(b0, c3_0);
            c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ao + 4]);
            c4_0 = a.fma(b0, c4_0);
            c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ao + 5]);
            c5_0 = a.fma(b0, c5_0);
            c5_1 = a.fma(b1, c5_1);
            a = FloatVector.broadcast(F, ap[ao + 6]);
            c6_0 = a.fma(b0, c6_0);
            c6_1 = a.fma(b1, c6_1);
            a = FloatVector.broadcast(F, ap[ao + 7]);
            c7_0 = a.fma(b0, c7_0);
            c7_1 = a.fma(b1, c7_1);
            a = FloatVector.broadcast(F, ap[ao + 8]);
            c8_0 = a.fma(b0, c8_0);
            c8_1 = a.fma(b1, c8_1);
            a = FloatVector.broadcast(F, ap[ao + 9]);
            c9_0 = a.fma(b0, c9_0);
            c9_1 = a.fma(b1, c9_1);
            a = FloatVector.broadcast(F, ap[ao + 10]);
            c10_0 = a.fma(b0, c10_0);
            c10_1 = a.fma(b1, c10_1);
            a = FloatVector.broadcast(F, ap[ao + 11]);
            c11_0 = a.fma(b0, c11_0);
            c11_1 = a.fma(b1, c11_1);
        }
        c0_0.intoArray(tile, 0 * L);
        c0_1.intoArray(tile, 1 * L);
        c1_0.intoArray(tile, 2 * L);
        c1_1.intoArray(tile, 3 * L);
        c2_0.intoArray(tile, 4 * L);
        c2_1.intoArray(tile, 5 * L);
        c3_0.intoArray(tile, 6 * L);
        c3_1.intoArray(tile, 7 * L);
        c4_0.intoArray(tile, 8 * L);
        c4_1.intoArray(tile, 9 * L);
        c5_0.intoArray(tile, 10 * L);
        c5_1.intoArray(tile, 11 * L);
        c6_0.intoArray(tile, 12 * L);
        c6_1.intoArray(tile, 13 * L);
        c7_0.intoArray(tile, 14 * L);
        c7_1.intoArray(tile, 15 * L);
        c8_0.intoArray(tile, 16 * L);
        c8_1.intoArray(tile, 17 * L);
        c9_0.intoArray(tile, 18 * L);
        c9_1.intoArray(tile, 19 * L);
        c10_0.intoArray(tile, 20 * L);
        c10_1.intoArray(tile, 21 * L);
        c11_0.intoArray(tile, 22 * L);
        c11_1.intoArray(tile, 23 * L);
    }

    private static void vector6x2Rows(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        for (int p = 0; p < kb; p++) {
            int ao = ai + p;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * L);
            FloatVector a = FloatVector.broadcast(F, ap[ao]);
            c0_0 = a.fma(b0, c0_0);
            c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ao + 1 * A_ROW_STRIDE]);
            c1_0 = a.fma(b0, c1_0);
            c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ao + 2 * A_ROW_STRIDE]);
            c2_0 = a.fma(b0, c2_0);
            c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ao + 3 * A_ROW_STRIDE]);
            c3_0 = a.fma(b0, c3_0);
            c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ao + 4 * A_ROW_STRIDE]);
            c4_0 = a.fma(b0, c4_0);
            c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ao + 5 * A_ROW_STRIDE]);
            c5_0 = a.fma(b0, c5_0);
            c5_1 = a.fma(b1, c5_1);
        }
        c0_0.intoArray(tile, 0 * L);
        c0_1.intoArray(tile, 1 * L);
        c1_0.intoArray(tile, 2 * L);
        c1_1.intoArray(tile, 3 * L);
        c2_0.intoArray(tile, 4 * L);
        c2_1.intoArray(tile, 5 * L);
        c3_0.intoArray(tile, 6 * L);
        c3_1.intoArray(tile, 7 * L);
        c4_0.intoArray(tile, 8 * L);
        c4_1.intoArray(tile, 9 * L);
        c5_0.intoArray(tile, 10 * L);
        c5_1.intoArray(tile, 11 * L);
    }

    private static void vector6x2Steps(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c0_0 = FloatVector.zero(F), c0_1 = FloatVector.zero(F);
        FloatVector c1_0 = FloatVector.zero(F), c1_1 = FloatVector.zero(F);
        FloatVector c2_0 = FloatVector.zero(F), c2_1 = FloatVector.zero(F);
        FloatVector c3_0 = FloatVector.zero(F), c3_1 = FloatVector.zero(F);
        FloatVector c4_0 = FloatVector.zero(F), c4_1 = FloatVector.zero(F);
        FloatVector c5_0 = FloatVector.zero(F), c5_1 = FloatVector.zero(F);
        for (int p = 0; p < kb; p++) {
            int ao = ai + p * 6;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + 1 * L);
            FloatVector a = FloatVector.broadcast(F, ap[ao]);
            c0_0 = a.fma(b0, c0_0);
            c0_1 = a.fma(b1, c0_1);
            a = FloatVector.broadcast(F, ap[ao + 1]);
            c1_0 = a.fma(b0, c1_0);
            c1_1 = a.fma(b1, c1_1);
            a = FloatVector.broadcast(F, ap[ao + 2]);
            c2_0 = a.fma(b0, c2_0);
            c2_1 = a.fma(b1, c2_1);
            a = FloatVector.broadcast(F, ap[ao + 3]);
            c3_0 = a.fma(b0, c3_0);
            c3_1 = a.fma(b1, c3_1);
            a = FloatVector.broadcast(F, ap[ao + 4]);
            c4_0 = a.fma(b0, c4_0);
            c4_1 = a.fma(b1, c4_1);
            a = FloatVector.broadcast(F, ap[ao + 5]);
            c5_0 = a.fma(b0, c5_0);
            c5_1 = a.fma(b1, c5_1);
        }
        c0_0.intoArray(tile, 0 * L);
        c0_1.intoArray(tile, 1 * L);
        c1_0.intoArray(tile, 2 * L);
        c1_1.intoArray(tile, 3 * L);
        c2_0.intoArray(tile, 4 * L);
        c2_1.intoArray(tile, 5 * L);
        c3_0.intoArray(tile, 6 * L);
        c3_1.intoArray(tile, 7 * L);
        c4_0.intoArray(tile, 8 * L);
        c4_1.intoArray(tile, 9 * L);
        c5_0.intoArray(tile, 10 * L);
        c5_1.intoArray(tile, 11 * L);
    }

    /** A(r,p) = ap[ai + p*ps + r*rs]. */
    private static void scalar4x4(int kb, float[] ap, int ai, int ps, int rs, float[] bp, int bi, float[] tile) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kb; p++) {
            int ao = ai + p * ps;
            int bo = bi + p * 4;
            float b0 = bp[bo], b1 = bp[bo + 1], b2 = bp[bo + 2], b3 = bp[bo + 3];
            float a = ap[ao];
            c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
            a = ap[ao + rs];
            c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
            a = ap[ao + 2 * rs];
            c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
            a = ap[ao + 3 * rs];
            c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
        }
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
    }

    /**
     * Loads one float from each cache line of the C tile (rows < mr, columns < nr) and returns
     * their bits folded together, so the caller can keep the loads alive by storing the
     * result. Called just before the tile's kernel, it starts the cache misses on C while the
     * FMAs run, instead of taking them all at once in {@link #merge} (measured: merge fell
     * from ~8% to ~3% of a 1024³ product). The values are never used, so NaN in C still
     * cannot reach the result when beta == 0.
     */
    static int touch(float[] c, int ci, int ldc, int mr, int nr) {
        int h = 0;
        for (int r = 0; r < mr; r++) {
            int row = ci + r * ldc;
            for (int q = 0; q < nr; q += 16) h += Float.floatToRawIntBits(c[row + q]);
            h += Float.floatToRawIntBits(c[row + nr - 1]);
        }
        return h;
    }

    /**
     * C[0..mr)[0..nr) = alpha·tile + beta·C, reading C only when beta != 0 (so NaN in an
     * uninitialised C cannot leak into the result).
     */
    static void merge(float[] tile, float[] c, int ci, int ldc, int mr, int nr, float alpha, float beta) {
        if (!Simd.SCALAR && nr == NR) {
            FloatVector va = FloatVector.broadcast(F, alpha);
            FloatVector vb = FloatVector.broadcast(F, beta);
            for (int r = 0; r < mr; r++) {
                int row = ci + r * ldc;
                for (int q = 0; q < NR; q += L) {
                    FloatVector v = FloatVector.fromArray(F, tile, r * NR + q).mul(va);
                    if (beta == 1f) v = v.add(FloatVector.fromArray(F, c, row + q));
                    else if (beta != 0f) v = FloatVector.fromArray(F, c, row + q).fma(vb, v);
                    v.intoArray(c, row + q);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            int row = ci + r * ldc;
            for (int q = 0; q < nr; q++) {
                float v = alpha * tile[r * NR + q];
                c[row + q] = beta == 0f ? v : beta == 1f ? v + c[row + q] : Math.fma(beta, c[row + q], v);
            }
        }
    }
}

package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of {@link Gemm}: one {@link #MR}×{@link #NR} tile of C from
 * a packed A micro-panel ({@code kb} steps of MR floats) and a packed B micro-panel ({@code kb}
 * steps of NR floats), as in Goto/BLIS.
 *
 * <p>The vector tile is 6 rows × 2 vectors: 12 accumulators, two B loads and six A broadcasts
 * per step, which fits the 16 named vector registers of AVX2 as well as the 32 of AVX-512 with
 * room for the operands, so C2 keeps everything in registers. The scalar path ({@code
 * jllm.vectorBits=0}) uses a 4×4 tile of plain floats. The kernel writes its accumulators to a
 * small tile buffer; {@link #merge} then applies alpha and beta, so the hot loop never touches
 * C and edge tiles need no special kernel.
 */
final class GemmMicroKernel {
    private GemmMicroKernel() {}

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.LANES;

    /** Rows of C per tile. */
    static final int MR = Simd.SCALAR ? 4 : 6;
    /** Columns of C per tile. */
    static final int NR = Simd.SCALAR ? 4 : 2 * L;

    /** tile[r*NR + c] = sum_p ap[ai + p*MR + r] * bp[bi + p*NR + c] for the full MR×NR tile. */
    static void compute(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        if (Simd.SCALAR) scalar4x4(kb, ap, ai, bp, bi, tile);
        else vector6x2(kb, ap, ai, bp, bi, tile);
    }

    private static void vector6x2(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        for (int p = 0; p < kb; p++) {
            int ao = ai + p * 6;
            int bo = bi + p * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector a = FloatVector.broadcast(F, ap[ao]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, ap[ao + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, ap[ao + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
    }

    private static void scalar4x4(int kb, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        float c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        float c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kb; p++) {
            int ao = ai + p * 4;
            int bo = bi + p * 4;
            float b0 = bp[bo], b1 = bp[bo + 1], b2 = bp[bo + 2], b3 = bp[bo + 3];
            float a = ap[ao];
            c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
            a = ap[ao + 1];
            c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
            a = ap[ao + 2];
            c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
            a = ap[ao + 3];
            c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
        }
        tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
        tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
        tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
        tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
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

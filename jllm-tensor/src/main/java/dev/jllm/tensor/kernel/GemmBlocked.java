package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cache-blocked Goto/BLIS loop nest of {@link Gemm}, for products too wide for
 * {@link GemmThin} (it is correct for any m, n >= 1).
 *
 * <pre>
 * for each strip of C (a task; tasks are shared out to the threads)
 *   for jc in strip by NC          B block kc×nc packed once, lives in L3
 *     for pc in k by KC
 *       pack op(B)[pc.., jc..]
 *       for ic in rows by MC       A block mc×kc packed, lives in L2
 *         pack op(A)[ic.., pc..]
 *         for jr in nc by NR       B micro-panel kc×NR, streamed from L2 for every ir
 *           for ir in mc by MR     micro-kernel: MR×NR tile
 * </pre>
 *
 * C is split into strips along its longer side (columns when n >= m), one per thread (more
 * only when a share is wider than NC); a strip covers the whole other side, so the operand
 * along the strip is packed exactly once and the other once per strip, which keeps packing
 * small against the O(m·n·k) kernel work.
 * Pack buffers are per thread and reused across calls.
 */
final class GemmBlocked {
    private GemmBlocked() {}

    static final int MR = GemmMicroKernel.MR;
    static final int NR = GemmMicroKernel.NR;
    static final int KC = GemmMicroKernel.KC;
    /** Rows of a packed A block; a multiple of MR. */
    static final int MC = roundUp(Math.max(1, Integer.getInteger("jllm.gemm.mc", 96)), MR);
    /** Columns of a packed B block; a multiple of NR. */
    static final int NC = roundUp(Math.max(1, Integer.getInteger("jllm.gemm.nc", 2048)), NR);
    /** Below this many multiply-adds one thread is faster than waking the team. */
    private static final long PARALLEL_MIN_MACS = 1L << 18;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Per-thread pack buffers, grown on demand and then reused. */
    private static final class Workspace {
        float[] packA = new float[0];
        float[] packB = new float[0];
        final float[] tile = new float[MR * NR];
        /** Where {@link GemmMicroKernel#touch} results go, so its loads are not dead code. */
        int touched;

        void ensure(int aFloats, int bFloats) {
            if (packA.length < aFloats) packA = new float[aFloats];
            if (packB.length < bFloats) packB = new float[bFloats];
        }
    }

    /** One problem, already validated: C = alpha·op(A)·op(B) + beta·C with m, n, k >= 1. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float beta, float[] c, int cOff, int ldc, PackedWeight packedB) {}

    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc) {
        run(new Problem(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, null));
    }

    /** C = alpha·op(A)·wᵀ + beta·C with w's panels packed ahead of time: no B packing at all. */
    static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedWeight w,
                      float beta, float[] c, int cOff, int ldc) {
        run(new Problem(transA, true, m, w.n, w.k, alpha, a, aOff, lda, null, 0, 0, beta, c, cOff, ldc, w));
    }

    private static void run(Problem pr) {
        int m = pr.m, n = pr.n, k = pr.k;
        int threads = (long) m * n * k < PARALLEL_MIN_MACS ? 1 : Parallel.threads();
        int rowStrip = roundUp(m, MR), colStrip = roundUp(n, NR);
        if (threads > 1) {
            if (n >= m) colStrip = stripLength(n, NR, threads);
            else rowStrip = stripLength(m, MR, threads);
        }
        int rowStrips = ceilDiv(m, rowStrip), colStrips = ceilDiv(n, colStrip);
        int tasks = rowStrips * colStrips;
        int rs = rowStrip, cs = colStrip;
        if (tasks == 1) {
            runStrip(pr, 0, m, 0, n, WORKSPACE.get());
            return;
        }
        AtomicInteger next = new AtomicInteger();
        // One range per thread; each pulls strips until none is left (when there are more
        // strips than threads, one slowed by other load on the machine takes fewer).
        Parallel.forRange(Math.min(threads, tasks), 1, (s, e) -> {
            Workspace ws = WORKSPACE.get();
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                int r0 = (t / colStrips) * rs, c0 = (t % colStrips) * cs;
                runStrip(pr, r0, Math.min(m, r0 + rs), c0, Math.min(n, c0 + cs), ws);
            }
        });
    }

    /**
     * Strip length (a multiple of unit): one strip per thread, or a multiple of the thread
     * count when a thread's share is wider than NC. Fewer, wider strips mean the other
     * operand is packed fewer times.
     */
    private static int stripLength(int len, int unit, int threads) {
        int strips = threads * ceilDiv(ceilDiv(len, threads), NC);
        return roundUp(ceilDiv(len, strips), unit);
    }

    private static void runStrip(Problem p, int r0, int r1, int c0, int c1, Workspace ws) {
        int kcMax = Math.min(KC, p.k);
        boolean aRows = !p.transA; // see GemmPack.packA
        ws.ensure(Math.min(MC, roundUp(r1 - r0, MR)) * (aRows ? GemmMicroKernel.A_ROW_STRIDE : kcMax), p.packedB != null ? 0 : kcMax * Math.min(NC, roundUp(c1 - c0, NR)));
        float[] packA = ws.packA, packB = ws.packB, tile = ws.tile;
        for (int jc = c0; jc < c1; jc += NC) {
            int nb = Math.min(NC, c1 - jc);
            for (int pc = 0; pc < p.k; pc += KC) {
                int kb = Math.min(KC, p.k - pc);
                float beta = pc == 0 ? p.beta : 1f; // later k blocks accumulate onto the first
                float[] bPanels = packB;
                int bBase = 0;
                if (p.packedB == null) {
                    GemmPack.packB(p.transB, p.b, p.bOff, p.ldb, pc, kb, jc, nb, packB);
                } else { // the same panels, laid out once for all k blocks (PackedWeight)
                    bPanels = p.packedB.panels;
                    bBase = p.packedB.offset(pc, jc, kb);
                }
                for (int ic = r0; ic < r1; ic += MC) {
                    int mb = Math.min(MC, r1 - ic);
                    GemmPack.packA(p.transA, p.a, p.aOff, p.lda, ic, mb, pc, kb, packA);
                    for (int jr = 0; jr < nb; jr += NR) {
                        int nr = Math.min(NR, nb - jr);
                        int cCol = p.cOff + jc + jr;
                        for (int ir = 0; ir < mb; ir += MR) {
                            int cTile = cCol + (ic + ir) * p.ldc, mr = Math.min(MR, mb - ir);
                            ws.touched += GemmMicroKernel.touch(p.c, cTile, p.ldc, mr, nr);
                            GemmMicroKernel.compute(kb, packA, ir * (aRows ? GemmMicroKernel.A_ROW_STRIDE : kb), aRows, bPanels, bBase + jr * kb, tile);
                            GemmMicroKernel.merge(tile, p.c, cTile, p.ldc, mr, nr, p.alpha, beta);
                        }
                    }
                }
            }
        }
    }

    static int roundUp(int x, int unit) {
        return ceilDiv(x, unit) * unit;
    }

    static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}

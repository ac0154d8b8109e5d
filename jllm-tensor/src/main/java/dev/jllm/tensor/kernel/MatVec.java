package dev.jllm.tensor.kernel;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.Tensor;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Matrix-vector product for every weight dtype: the decode hot path.
 *
 * <p>{@code y[yOff + r] = sum_c w[r, c] * x[xOff + c]} for a weight {@code w} of shape
 * [rows, cols] whose rows are contiguous. Rows are split over {@link Parallel}'s threads.
 *
 * <ul>
 *   <li>F32 (heap or segment), F16, BF16: float FMAs; BF16 widened in registers, F16 by C2's
 *       vectorized fp16 conversion into an L1 buffer ({@link MatVecFloatDot}).</li>
 *   <li>Block-quantized weights (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K): x is quantized
 *       once per call to int8 blocks of 32 ({@link MatVecInput}); for Q2_K and Q3_K each weight
 *       row is decoded to int8 plus scales ({@link MatVecDecoder}) in a small per-thread
 *       buffer, and the dot is done in integers with one float scale per group
 *       ({@link MatVecIntDot}). Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 ({@link MatVecFused}) and Q4_K,
 *       Q5_K, Q6_K ({@link MatVecKQuants}) use fused kernels that decode in registers. The result
 *       equals the exact dot of w with x rounded to those int8 blocks: the error per element
 *       is at most half of x's block scale amax/127.</li>
 * </ul>
 */
public final class MatVec {
    private MatVec() {}

    /** Rows handed to a thread at a time. */
    static final int GRAIN = 16;

    /** {@code y[yOff + r] = dot(w[r, :], x[xOff .. xOff + cols))} for every row r. */
    public static void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        MatVecWeight mw = MatVecWeight.of(w, "matvec");
        String shape = "(weight " + Arrays.toString(w.shape()) + ")";
        MatVecWeight.checkRange("matvec", "x", x, xOff, mw.cols, shape);
        MatVecWeight.checkRange("matvec", "y", y, yOff, mw.rows, shape);
        if (mw.rows == 0) return;
        if (mw.cols == 0) {
            Arrays.fill(y, yOff, yOff + mw.rows, 0f);
            return;
        }
        if (mw.type.isQuantized()) {
            quantized(mw, x, xOff, y, yOff);
        } else {
            Parallel.forRange(mw.rows, GRAIN, (s, e) -> floatRows(mw, x, xOff, y, yOff, s, e));
        }
    }

    private static void floatRows(MatVecWeight w, float[] x, int xOff, float[] y, int yOff, int s, int e) {
        int n = w.cols;
        for (int r = s; r < e; r++) {
            y[yOff + r] = switch (w.type) {
                case F32 -> w.heap != null
                        ? MatVecFloatDot.f32(w.heap, w.heapOff + r * w.heapStride, x, xOff, n)
                        : MatVecFloatDot.f32(w.seg, w.rowOffset(r), x, xOff, n);
                case F16 -> MatVecFloatDot.f16(w.seg, w.rowOffset(r), x, xOff, n);
                case BF16 -> MatVecFloatDot.bf16(w.seg, w.rowOffset(r), x, xOff, n);
                default -> throw new IllegalStateException(w.type.toString());
            };
        }
    }

    private static void quantized(MatVecWeight w, float[] x, int xOff, float[] y, int yOff) {
        MatVecInput in = MatVecInput.quantize(x, xOff, w.cols, 1);
        if (MatVecFused.supports(w.type)) {
            claimed(w.rows, (s, e) -> {
                for (int r = s; r < e; r++) y[yOff + r] = MatVecFused.dot(w, r, in, 0);
            });
            return;
        }
        if (MatVecKQuants.supports(w.type)) {
            claimed(w.rows, (s, e) -> {
                for (int r = s; r < e; r++) y[yOff + r] = MatVecKQuants.dot(w, r, in, 0);
            });
            return;
        }
        int group = MatVecDecoder.group(w.type);
        boolean hasMin = MatVecDecoder.hasMin(w.type);
        Parallel.forRange(w.rows, GRAIN, (s, e) -> {
            Scratch sc = Scratch.get(w.cols, 1);
            for (int r = s; r < e; r++) {
                MatVecDecoder.decode(w.type, w.seg, w.rowOffset(r), w.blocks(), sc.q[0], sc.scale[0], sc.min[0]);
                y[yOff + r] = MatVecIntDot.dot(sc.q[0], sc.scale[0], sc.min[0], group, hasMin, in, 0);
            }
        });
    }

    /** Rows a thread claims at a time in {@link #claimed}. */
    static final int CLAIM = 64;

    /**
     * Runs {@code body} over [0, rows) in chunks of {@link #CLAIM} rows that the team's threads
     * take from a shared counter, instead of one fixed half each: on a shared machine a thread
     * the OS deschedules then holds back one chunk, not half of the matrix.
     */
    private static void claimed(int rows, Parallel.Range body) {
        int chunks = (rows + CLAIM - 1) / CLAIM;
        if (chunks <= 1 || Parallel.threads() == 1) {
            body.run(0, rows);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(Math.min(Parallel.threads(), chunks), (s, e) -> {
            for (int c; (c = next.getAndIncrement()) < chunks; ) body.run(c * CLAIM, Math.min(rows, (c + 1) * CLAIM));
        });
    }

    /** Per-thread decode buffers for up to {@code rows} rows of {@code cols} elements. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> CACHE = new ThreadLocal<>();
        final byte[][] q;
        final float[][] scale, min, wide;
        final int cols;

        private Scratch(int cols, int rows) {
            this.cols = cols;
            q = new byte[rows][cols];
            scale = new float[rows][cols / 16 + 1];
            min = new float[rows][cols / 16 + 1];
            wide = new float[rows][];
        }

        static Scratch get(int cols, int rows) {
            Scratch s = CACHE.get();
            if (s == null || s.cols < cols || s.q.length < rows) {
                s = new Scratch(Math.max(cols, s == null ? 0 : s.cols), Math.max(rows, s == null ? 0 : s.q.length));
                CACHE.set(s);
            }
            return s;
        }

        float[] wide(int row) {
            if (wide[row] == null || wide[row].length < cols) wide[row] = new float[cols];
            return wide[row];
        }
    }
}

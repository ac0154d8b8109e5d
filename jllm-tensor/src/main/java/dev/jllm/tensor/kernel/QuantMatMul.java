package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@code Y[m, rows] = X[m, cols] * W^T} for a weight of any dtype {@link MatVec} supports:
 * batched prefill (hundreds of tokens) and batched decode (a few sequences).
 *
 * <p>Rows are processed in tiles of {@value #TILE}: the tile is decoded once (to int8 plus
 * scales for quantized weights, to floats for F16/BF16) into a per-thread buffer that stays
 * in cache, and every token is then dotted against it, so each weight block is read and
 * decoded once per call instead of once per token. The per-token arithmetic is exactly
 * that of {@link MatVec#matvec}: row t of Y equals the matvec of row t of X.
 */
public final class QuantMatMul {
    private QuantMatMul() {}

    /** Weight rows decoded together; x of one token is reused across them. */
    static final int TILE = 8;
    /** From this many tokens on, {@link #viaGemm} is faster than the integer dots (measured; see docs/kernels-matvec.md); not for Q4_0 ({@link QuantMatMulPacked}). */
    static final int GEMM_TOKENS = Integer.getInteger("jllm.matmul.gemmTokens", 64);
    /** Floats of widened weight per GEMM call: 4 MiB keeps the tile in L2/L3. */
    private static final int GEMM_TILE_FLOATS = 1 << 20;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Lets products of 2+ token rows repack Q4_0/Q8_0 weights into the packed multi-token layout
     * ({@code QuantMatMulPacked}; a heap copy of ~1.1x the weight bytes, made on first use per
     * weight). A batching server calls this; without it (and without
     * {@code -Djllm.matmul.packed=true}) weights are never copied, so single-sequence use keeps
     * its memory close to the file size. {@code -Djllm.matmul.packed=false} overrides it.
     */
    public static void repackForBatches() { QuantMatMulPacked.requestForBatches(); }

    /**
     * X is row-major at {@code x[xOff + t * cols + c]}, Y at {@code y[yOff + t * rows + r]},
     * for tokens {@code t < m}.
     */
    public static void matmul(Tensor w, float[] x, int xOff, int m, float[] y, int yOff) {
        MatVecWeight mw = MatVecWeight.of(w, "matmul");
        if (m < 0) throw new IllegalArgumentException("matmul: negative token count m=" + m);
        int rows = mw.rows, cols = mw.cols;
        String shape = "(X [" + m + ", " + cols + "], weight " + Arrays.toString(w.shape()) + ", Y [" + m + ", " + rows + "])";
        MatVecWeight.checkRange("matmul", "x", x, xOff, (long) m * cols, shape);
        MatVecWeight.checkRange("matmul", "y", y, yOff, (long) m * rows, shape);
        if (m == 0 || rows == 0) return;
        if (cols == 0) {
            Arrays.fill(y, yOff, yOff + m * rows, 0f);
            return;
        }
        QuantMatMulPacked.Packed packed = m >= 2 && QuantMatMulPacked.applies(mw) && (mw.type == DType.Q4_0 || m < GEMM_TOKENS)
                ? QuantMatMulPacked.packed(w, mw) : null;
        if (packed != null) {
            // Q4_0/Q8_0: weights repacked once, each decoded weight reused by every token (16-bit
            // sums); for Q4_0 faster than the F32 GEMM too, up to 512 tokens measured (docs/kernels-matvec.md)
            QuantMatMulPacked.matmul(packed, MatVecInput.quantize(x, xOff, cols, m), y, yOff);
            return;
        }
        if (m >= GEMM_TOKENS) {
            viaGemm(mw, x, xOff, m, y, yOff);
            return;
        }
        MatVecInput in = mw.type.isQuantized() ? MatVecInput.quantize(x, xOff, cols, m) : null;
        int tiles = (rows + TILE - 1) / TILE;
        if (tiles >= 2 * Parallel.threads() || m == 1) {
            Parallel.forRange(tiles, (s, e) -> {
                for (int tile = s; tile < e; tile++) {
                    int r0 = tile * TILE;
                    tile(mw, in, x, xOff, m, y, yOff, r0, Math.min(rows, r0 + TILE), 0, m);
                }
            });
        } else {
            // few rows, many tokens: split the tokens instead
            Parallel.forRange(m, (s, e) -> {
                for (int r0 = 0; r0 < rows; r0 += TILE) tile(mw, in, x, xOff, m, y, yOff, r0, Math.min(rows, r0 + TILE), s, e);
            });
        }
    }

    /**
     * Many tokens: the integer dots are compute-bound, so the weight is instead widened to F32
     * a tile of rows at a time (in parallel) and multiplied by the packed, cache-blocked
     * {@link Gemm}; the widening is paid once for all tokens. x is used unrounded here.
     */
    private static void viaGemm(MatVecWeight w, float[] x, int xOff, int m, float[] y, int yOff) {
        int rows = w.rows, cols = w.cols;
        if (w.heap != null) {
            Gemm.sgemm(false, true, m, rows, cols, 1f, x, xOff, cols, w.heap, w.heapOff, w.heapStride, 0f, y, yOff, rows);
            return;
        }
        int tileRows = Math.min(rows, Math.max(16, GEMM_TILE_FLOATS / cols));
        float[] wt = new float[tileRows * cols];
        for (int r0 = 0; r0 < rows; r0 += tileRows) {
            int n = Math.min(tileRows, rows - r0), first = r0;
            Parallel.forRange(n, 4, (s, e) -> {
                for (int i = s; i < e; i++) widenRow(w, first + i, wt, i * cols);
            });
            Gemm.sgemm(false, true, m, n, cols, 1f, x, xOff, cols, wt, 0, cols, 0f, y, yOff + r0, rows);
        }
    }

    /** Row r of any supported dtype as floats at out[outOff..outOff+cols). */
    private static void widenRow(MatVecWeight w, int r, float[] out, int outOff) {
        int cols = w.cols;
        switch (w.type) {
            case F32 -> MemorySegment.copy(w.seg, F32_LE, w.rowOffset(r), out, outOff, cols);
            case F16, BF16 -> MatVecFloatDot.widen(w.type == DType.BF16, w.seg, w.rowOffset(r), out, outOff, cols);
            default -> {
                MatVec.Scratch sc = MatVec.Scratch.get(cols, 1);
                MatVecDecoder.decode(w.type, w.seg, w.rowOffset(r), w.blocks(), sc.q[0], sc.scale[0], sc.min[0]);
                int group = MatVecDecoder.group(w.type);
                boolean hasMin = MatVecDecoder.hasMin(w.type);
                byte[] q = sc.q[0];
                for (int g = 0, i = 0; i < cols; g++) {
                    float s = sc.scale[0][g], mn = hasMin ? sc.min[0][g] : 0f;
                    for (int end = i + group; i < end; i++) out[outOff + i] = s * q[i] - mn;
                }
            }
        }
    }

    /** Rows [r0, r1) times tokens [t0, t1). */
    private static void tile(MatVecWeight w, MatVecInput in, float[] x, int xOff, int m, float[] y, int yOff,
                             int r0, int r1, int t0, int t1) {
        int rows = w.rows, cols = w.cols, n = r1 - r0;
        switch (w.type) {
            case F32 -> {
                for (int t = t0; t < t1; t++) {
                    int xo = xOff + t * cols;
                    for (int r = r0; r < r1; r++) {
                        y[yOff + t * rows + r] = w.heap != null
                                ? MatVecFloatDot.f32(w.heap, w.heapOff + r * w.heapStride, x, xo, cols)
                                : MatVecFloatDot.f32(w.seg, w.rowOffset(r), x, xo, cols);
                    }
                }
            }
            case F16, BF16 -> {
                MatVec.Scratch sc = MatVec.Scratch.get(cols, TILE);
                boolean bf16 = w.type == DType.BF16;
                for (int i = 0; i < n; i++) MatVecFloatDot.widen(bf16, w.seg, w.rowOffset(r0 + i), sc.wide(i), 0, cols);
                for (int t = t0; t < t1; t++) {
                    int xo = xOff + t * cols;
                    for (int i = 0; i < n; i++) y[yOff + t * rows + r0 + i] = MatVecFloatDot.f32(sc.wide(i), 0, x, xo, cols);
                }
            }
            default -> {
                if (t1 - t0 == 1 && MatVecFused.supports(w.type)) {
                    for (int r = r0; r < r1; r++) y[yOff + t0 * rows + r] = MatVecFused.dot(w, r, in, t0);
                    return;
                }
                if (t1 - t0 == 1 && MatVecKQuants.supports(w.type)) {
                    for (int r = r0; r < r1; r++) y[yOff + t0 * rows + r] = MatVecKQuants.dot(w, r, in, t0);
                    return;
                }
                MatVec.Scratch sc = MatVec.Scratch.get(cols, TILE);
                int group = MatVecDecoder.group(w.type);
                boolean hasMin = MatVecDecoder.hasMin(w.type);
                for (int i = 0; i < n; i++) {
                    MatVecDecoder.decode(w.type, w.seg, w.rowOffset(r0 + i), w.blocks(), sc.q[i], sc.scale[i], sc.min[i]);
                }
                for (int t = t0; t < t1; t++) {
                    for (int i = 0; i < n; i++) {
                        y[yOff + t * rows + r0 + i] = MatVecIntDot.dot(sc.q[i], sc.scale[i], sc.min[i], group, hasMin, in, t);
                    }
                }
            }
        }
    }
}

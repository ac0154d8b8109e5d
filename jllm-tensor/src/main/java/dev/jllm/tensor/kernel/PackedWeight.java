package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.util.Arrays;

/**
 * A constant weight {@code w [n, k]} (heap F32) laid out once as the panels {@link Gemm}'s
 * micro-kernel reads for {@code C = X·wᵀ} — the pre-packing inference runtimes (oneDNN, ONNX
 * Runtime) do when a session opens. Packing wᵀ on every call is a scalar transpose of the whole
 * weight; with few rows in X (one sentence of ~30 tokens through an encoder) it costs as much as
 * the product itself. The packed copy costs the weight's size again in memory.
 *
 * <p>Layout: k is cut in blocks of {@link GemmMicroKernel#KC}; block {@code pc} holds all n
 * columns (zero-padded to a multiple of {@link GemmMicroKernel#NR}) as {@code GemmPack.packB}
 * writes them, so any column range starting at a multiple of NR is a valid packed B block.
 */
public final class PackedWeight {
    final int n, k;
    /** n rounded up to whole panels. */
    final int nPad;
    final float[] panels;
    private final Tensor weight;

    private PackedWeight(Tensor weight, int n, int k, int nPad, float[] panels) {
        this.weight = weight;
        this.n = n;
        this.k = k;
        this.nPad = nPad;
        this.panels = panels;
    }

    /** Packs {@code w [n, k]}, a heap F32 tensor whose rows are contiguous. */
    public static PackedWeight of(Tensor w) {
        if (w.rank() != 2 || w.dtype() != DType.F32 || !w.isHeap() || (w.size(1) > 1 && w.strides()[1] != 1)) {
            throw new IllegalArgumentException("PackedWeight needs a heap F32 [n, k] tensor with contiguous rows, got " + w);
        }
        int n = w.size(0), k = w.size(1);
        int nPad = GemmBlocked.roundUp(Math.max(1, n), GemmMicroKernel.NR);
        long floats = (long) nPad * k;
        if (floats > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("weight " + Arrays.toString(w.shape()) + " is too large to pack into one array");
        }
        float[] panels = new float[(int) floats];
        int ld = n > 1 ? (int) w.strides()[0] : Math.max(1, k);
        for (int pc = 0; pc < k; pc += GemmMicroKernel.KC) {
            int kb = Math.min(GemmMicroKernel.KC, k - pc);
            GemmPack.packB(true, w.heapArray(), (int) w.offset(), ld, pc, kb, 0, n, panels, pc * nPad);
        }
        return new PackedWeight(w, n, k, nPad, panels);
    }

    /** Where the packed B block of k rows [pc, pc+kb) and columns from {@code jc} (a multiple of NR) starts. */
    int offset(int pc, int jc, int kb) {
        return pc * nPad + jc * kb;
    }

    /** The original weight (single rows and thin products read it directly). */
    public Tensor weight() { return weight; }

    public int rows() { return n; }

    public int cols() { return k; }

    /** Bytes held by the packed copy. */
    public long bytes() { return 4L * panels.length; }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A weight matrix [rows, cols] resolved to raw storage for the matvec/matmul kernels:
 * rows may be strided (a slice of a larger matrix) but each row must be contiguous.
 */
final class MatVecWeight {
    final DType type;
    final int rows, cols;
    /** Heap F32 storage: element (r, c) at {@code heap[heapOff + r * heapStride + c]}. */
    final float[] heap;
    final int heapOff, heapStride;
    /** Segment storage: row r starts at byte {@code base + r * rowStride}. */
    final MemorySegment seg;
    final long base, rowStride;

    private MatVecWeight(Tensor w, String op) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException(op + ": weight must be a matrix [rows, cols], got shape "
                    + Arrays.toString(w.shape()));
        }
        type = w.dtype();
        switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS -> { }
            default -> throw new IllegalArgumentException(op + ": unsupported weight dtype " + type
                    + " (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K, IQ4_NL, IQ4_XS are)");
        }
        rows = w.size(0);
        cols = w.size(1);
        long[] st = w.strides();
        if (st[1] != 1 && cols > 1) {
            throw new IllegalArgumentException(op + ": weight rows must be contiguous (stride 1 along the last "
                    + "dimension), got strides " + Arrays.toString(st) + " for shape " + Arrays.toString(w.shape()));
        }
        long stride0 = rows > 1 ? st[0] : cols;
        if (w.isHeap()) {
            heap = w.heapArray();
            heapOff = Math.toIntExact(w.offset());
            heapStride = Math.toIntExact(stride0);
            seg = null;
            base = 0;
            rowStride = 0;
        } else {
            heap = null;
            heapOff = 0;
            heapStride = 0;
            seg = w.segment();
            base = w.byteOffset();
            rowStride = type.byteSize(stride0);
        }
    }

    static MatVecWeight of(Tensor w, String op) {
        return new MatVecWeight(w, op);
    }

    long rowOffset(int r) {
        return base + r * rowStride;
    }

    int blocks() {
        return cols / type.blockSize();
    }

    /** Throws unless {@code a[off .. off + n)} lies inside {@code a}. */
    static void checkRange(String op, String name, float[] a, int off, long n, String shape) {
        if (a == null) throw new IllegalArgumentException(op + ": " + name + " is null");
        if (off < 0 || off + n > a.length) {
            throw new IllegalArgumentException(op + ": " + name + " needs " + n + " floats " + shape + " from offset "
                    + off + " but has length " + a.length);
        }
    }
}

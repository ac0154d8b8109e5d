package dev.jllm.tensor;

import dev.jllm.tensor.quant.Quants;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An n-dimensional array: a dtype, a shape, element strides and an offset into storage.
 *
 * <p>Storage is either a heap {@code float[]} (F32 activations and training state: the
 * fastest thing for the Vector API to read) or a {@link MemorySegment} (any dtype; native,
 * memory-mapped from a model file, or a heap segment over a {@code byte[]}). Segments are
 * little-endian, as GGUF and safetensors are, and may be larger than 2 GiB.
 *
 * <p>Views (reshape, transpose, slice, select) share storage. Block-quantized tensors keep
 * whole blocks together: their last dimension is contiguous and may not be split or moved.
 */
public final class Tensor {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final long[] shape;
    private final long[] strides; // in elements
    private final long offset;    // in elements
    private final float[] heap;   // non-null: heap F32 storage
    private final MemorySegment segment; // non-null: segment storage

    private Tensor(DType dtype, long[] shape, long[] strides, long offset, float[] heap, MemorySegment segment) {
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.heap = heap;
        this.segment = segment;
    }

    // ---- creation ----------------------------------------------------------------------

    /** A zero-filled F32 tensor on the heap. */
    public static Tensor zeros(long... shape) {
        long n = checkShape(shape);
        if (n > Integer.MAX_VALUE - 8) {
            return allocate(DType.F32, shape);
        }
        return of(new float[(int) n], shape);
    }

    /** Wraps {@code data} (no copy) as an F32 tensor of the given shape. */
    public static Tensor of(float[] data, long... shape) {
        long n = checkShape(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but the array has " + data.length);
        }
        return new Tensor(DType.F32, shape.clone(), contiguousStrides(shape), 0, data, null);
    }

    /** A zero-filled tensor of any dtype in native memory, freed when unreachable. */
    public static Tensor allocate(DType dtype, long... shape) {
        long n = checkShape(shape);
        checkBlocks(dtype, shape);
        MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, dtype.byteSize(n)), 64);
        return new Tensor(dtype, shape.clone(), contiguousStrides(shape), 0, null, seg);
    }

    /** Views {@code segment} (little-endian, from byte 0) as a contiguous tensor; no copy. */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        long n = checkShape(shape);
        checkBlocks(dtype, shape);
        long need = dtype.byteSize(n);
        if (segment.byteSize() < need) {
            throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape) + " needs "
                    + need + " bytes but the segment has " + segment.byteSize());
        }
        return new Tensor(dtype, shape.clone(), contiguousStrides(shape), 0, null, segment);
    }

    // ---- shape -------------------------------------------------------------------------

    public DType dtype() { return dtype; }
    public int rank() { return shape.length; }
    public long[] shape() { return shape.clone(); }
    public long[] strides() { return strides.clone(); }

    /** Size of dimension {@code d}; negative {@code d} counts from the end. */
    public long dim(int d) { return shape[axis(d)]; }

    /** Size of dimension {@code d} as an int, for kernels that index Java arrays. */
    public int size(int d) { return Math.toIntExact(dim(d)); }

    public long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** Bytes the elements occupy when stored contiguously. */
    public long byteSize() { return dtype.byteSize(numel()); }

    public boolean isContiguous() {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    // ---- storage -----------------------------------------------------------------------

    /** True when backed by a heap {@code float[]} (then {@link #heapArray()} and {@link #offset()} address it). */
    public boolean isHeap() { return heap != null; }

    /** The backing array of a heap F32 tensor; element (i,j,..) is at {@code offset + sum(idx*stride)}. */
    public float[] heapArray() {
        if (heap == null) throw new IllegalStateException("tensor is not heap-backed (" + dtype + ", segment storage)");
        return heap;
    }

    /** Offset of the first element, in elements, into the storage. */
    public long offset() { return offset; }

    /** The backing segment, or null for heap tensors. */
    public MemorySegment segment() { return segment; }

    /** Byte offset of the first element into {@link #segment()}. */
    public long byteOffset() { return dtype.byteSize(offset); }

    /** Bytes of row {@code row} of a contiguous matrix (rank >= 2 flattened to rows of the last dim). */
    public MemorySegment rowBytes(long row) {
        if (segment == null) throw new IllegalStateException("rowBytes needs segment storage");
        long cols = dim(-1);
        long rowStride = rank() == 1 ? cols : strides[rank() - 2];
        if (strides[rank() - 1] != 1) throw new IllegalStateException("last dimension is not contiguous");
        return segment.asSlice(dtype.byteSize(offset + row * rowStride), dtype.byteSize(cols));
    }

    // ---- views -------------------------------------------------------------------------

    /** Same elements, new shape (one entry may be -1). A view when contiguous, else a copy. */
    public Tensor reshape(long... newShape) {
        newShape = inferShape(newShape, numel());
        if (!isContiguous()) return contiguous().reshape(newShape);
        checkBlocks(dtype, newShape);
        return new Tensor(dtype, newShape, contiguousStrides(newShape), offset, heap, segment);
    }

    /** Swaps two dimensions (a view). Not allowed to move the block dimension of quantized tensors. */
    public Tensor transpose(int a, int b) {
        a = axis(a);
        b = axis(b);
        if (dtype.isQuantized() && (a == rank() - 1 || b == rank() - 1) && a != b) {
            throw new IllegalArgumentException("cannot transpose the last dimension of a " + dtype
                    + " tensor: its blocks run along it (dequantize first)");
        }
        long[] s = shape.clone();
        long[] st = strides.clone();
        s[a] = shape[b]; s[b] = shape[a];
        st[a] = strides[b]; st[b] = strides[a];
        return new Tensor(dtype, s, st, offset, heap, segment);
    }

    /** Elements {@code [start, end)} along {@code dim} (a view). */
    public Tensor slice(int dim, long start, long end) {
        int d = axis(dim);
        if (start < 0 || end > shape[d] || start > end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for dimension "
                    + d + " of shape " + Arrays.toString(shape));
        }
        if (dtype.isQuantized() && d == rank() - 1 && (start % dtype.blockSize() != 0 || end % dtype.blockSize() != 0)) {
            throw new IllegalArgumentException("slice of a " + dtype + " row must keep whole blocks of "
                    + dtype.blockSize() + " elements, got [" + start + ", " + end + ")");
        }
        long[] s = shape.clone();
        s[d] = end - start;
        return new Tensor(dtype, s, strides.clone(), offset + start * strides[d], heap, segment);
    }

    /** Index {@code index} along {@code dim}, dropping that dimension (a view). */
    public Tensor select(int dim, long index) {
        int d = axis(dim);
        if (index < 0 || index >= shape[d]) {
            throw new IllegalArgumentException("index " + index + " out of range for dimension " + d
                    + " of shape " + Arrays.toString(shape));
        }
        if (dtype.isQuantized() && d == rank() - 1) {
            throw new IllegalArgumentException("cannot select single elements of a " + dtype + " row");
        }
        long[] s = new long[rank() - 1];
        long[] st = new long[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (i == d) continue;
            s[j] = shape[i];
            st[j++] = strides[i];
        }
        return new Tensor(dtype, s, st, offset + index * strides[d], heap, segment);
    }

    /** Row {@code i} of the first dimension. */
    public Tensor row(long i) { return select(0, i); }

    // ---- element access (plain dtypes) ----------------------------------------------

    public float get(long... idx) {
        long e = elementIndex(idx);
        return readPlain(e);
    }

    public void set(float value, long... idx) {
        long e = elementIndex(idx);
        writePlain(e, value);
    }

    private float readPlain(long e) {
        if (heap != null) return heap[(int) e];
        return switch (dtype) {
            case F32 -> segment.getAtIndex(F32_LE, e);
            case F16 -> Float.float16ToFloat(segment.getAtIndex(I16_LE, e));
            case BF16 -> Float.intBitsToFloat((segment.getAtIndex(I16_LE, e) & 0xffff) << 16);
            case F64 -> (float) segment.getAtIndex(F64_LE, e);
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, e);
            case U8, BOOL -> segment.get(ValueLayout.JAVA_BYTE, e) & 0xff;
            case I16 -> segment.getAtIndex(I16_LE, e);
            case I32 -> segment.getAtIndex(I32_LE, e);
            case I64 -> segment.getAtIndex(I64_LE, e);
            default -> throw new IllegalStateException("element access on block-quantized " + dtype + " (dequantize first)");
        };
    }

    private void writePlain(long e, float v) {
        if (heap != null) { heap[(int) e] = v; return; }
        switch (dtype) {
            case F32 -> segment.setAtIndex(F32_LE, e, v);
            case F16 -> segment.setAtIndex(I16_LE, e, Float.floatToFloat16(v));
            case BF16 -> segment.setAtIndex(I16_LE, e, toBF16(v));
            case F64 -> segment.setAtIndex(F64_LE, e, v);
            case I8, U8, BOOL -> segment.set(ValueLayout.JAVA_BYTE, e, (byte) v);
            case I16 -> segment.setAtIndex(I16_LE, e, (short) v);
            case I32 -> segment.setAtIndex(I32_LE, e, (int) v);
            case I64 -> segment.setAtIndex(I64_LE, e, (long) v);
            default -> throw new IllegalStateException("element access on block-quantized " + dtype + " (quantize a F32 tensor instead)");
        }
    }

    /** float -> bfloat16 bits, rounding to nearest even (as PyTorch does); NaN stays NaN. */
    public static short toBF16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    // ---- copies ------------------------------------------------------------------------

    /** A dequantized F32 copy of all elements in logical (row-major) order. */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("tensor of " + n + " elements does not fit a float[]");
        float[] out = new float[(int) n];
        if (n == 0) return out;
        if (dtype.isQuantized()) {
            long cols = dim(-1);
            long rows = n / cols;
            for (long r = 0; r < rows; r++) {
                long first = firstElementOfRow(r, cols);
                Quants.dequantize(dtype, segment, dtype.byteSize(first), out, (int) (r * cols), (int) cols);
            }
            return out;
        }
        if (heap != null && isContiguous()) {
            System.arraycopy(heap, (int) offset, out, 0, (int) n);
            return out;
        }
        long[] idx = new long[rank()];
        for (int i = 0; i < n; i++) {
            out[i] = readPlain(elementIndexUnchecked(idx));
            increment(idx);
        }
        return out;
    }

    /** Element index of the first element of flattened row {@code r} (all dims but the last). */
    private long firstElementOfRow(long r, long cols) {
        long e = offset;
        long rem = r;
        for (int d = rank() - 2; d >= 0; d--) {
            e += (rem % shape[d]) * strides[d];
            rem /= shape[d];
        }
        return e;
    }

    /** A contiguous copy (same dtype) unless already contiguous. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        if (dtype == DType.F32) return of(toFloatArray(), shape);
        Tensor out = allocate(dtype, shape);
        if (dtype.isQuantized()) {
            long cols = dim(-1);
            long rowBytes = dtype.byteSize(cols);
            for (long r = 0; r < numel() / cols; r++) {
                MemorySegment.copy(segment, dtype.byteSize(firstElementOfRow(r, cols)), out.segment, r * rowBytes, rowBytes);
            }
            return out;
        }
        long[] idx = new long[rank()];
        for (long i = 0; i < numel(); i++) {
            out.writePlain(i, readPlain(elementIndexUnchecked(idx)));
            increment(idx);
        }
        return out;
    }

    /** A heap F32 copy (dequantizing if needed); returns {@code this} if already heap F32 and contiguous. */
    public Tensor toF32() {
        if (heap != null && isContiguous() && offset == 0 && heap.length == numel()) return this;
        return of(toFloatArray(), shape);
    }

    /** A contiguous copy converted to {@code target}: plain dtypes convert, F32 quantizes to block types. */
    public Tensor to(DType target) {
        if (target == dtype && isContiguous()) return this;
        if (target == DType.F32) return toF32();
        Tensor out = allocate(target, shape);
        float[] src = toFloatArray();
        if (target.isQuantized()) {
            Quants.quantize(target, src, 0, out.segment, 0, src.length);
        } else {
            for (int i = 0; i < src.length; i++) out.writePlain(i, src[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + Arrays.toString(shape) + (heap != null ? ", heap" : ", segment") + ")";
    }

    // ---- helpers -----------------------------------------------------------------------

    private int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("dimension " + d + " out of range for shape " + Arrays.toString(shape));
        }
        return a;
    }

    private long elementIndex(long[] idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException(idx.length + " indices for a tensor of rank " + shape.length
                    + " (shape " + Arrays.toString(shape) + ")");
        }
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " out of bounds for shape "
                        + Arrays.toString(shape));
            }
        }
        return elementIndexUnchecked(idx);
    }

    private long elementIndexUnchecked(long[] idx) {
        long e = offset;
        for (int i = 0; i < idx.length; i++) e += idx[i] * strides[i];
        return e;
    }

    private void increment(long[] idx) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return;
            idx[d] = 0;
        }
    }

    static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }

    private static long checkShape(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    private static void checkBlocks(DType dtype, long[] shape) {
        if (!dtype.isQuantized()) return;
        if (shape.length == 0 || shape[shape.length - 1] % dtype.blockSize() != 0) {
            throw new IllegalArgumentException(dtype + " needs the last dimension to be a multiple of "
                    + dtype.blockSize() + ", got shape " + Arrays.toString(shape));
        }
    }

    private static long[] inferShape(long[] newShape, long numel) {
        long[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(newShape));
                infer = i;
            } else {
                if (s[i] < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(newShape));
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + numel + " elements to " + Arrays.toString(newShape));
            }
            s[infer] = numel / known;
        }
        if (checkShape(s) != numel) {
            throw new IllegalArgumentException("cannot reshape " + numel + " elements to " + Arrays.toString(newShape));
        }
        return s;
    }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.quant.Quants;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Embedding lookup: copies rows of a {@code [vocab, dim]} table of any dtype into F32.
 * F32 rows are copied, F16/BF16 widened, block-quantized rows decoded with
 * {@link Quants#dequantize}; other plain dtypes go through the tensor's element reader.
 */
public final class Embedding {
    private Embedding() {}

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Writes row {@code id} of {@code table} to {@code out[outOff .. outOff+dim)}. */
    public static void gather(Tensor table, int id, float[] out, int outOff) {
        gather(table, new int[] {id}, 0, 1, out, outOff);
    }

    /** Writes rows {@code ids[idsOff .. idsOff+count)} one after another from {@code out[outOff]}; parallel over tokens. */
    public static void gather(Tensor table, int[] ids, int idsOff, int count, float[] out, int outOff) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding table must be [vocab, dim], got shape " + Arrays.toString(table.shape()));
        }
        if (idsOff < 0 || count < 0 || idsOff + count > ids.length) {
            throw new IllegalArgumentException("ids [" + idsOff + ", " + (idsOff + count) + ") outside an array of " + ids.length);
        }
        long vocab = table.dim(0);
        int dim = table.size(1);
        for (int t = 0; t < count; t++) {
            int id = ids[idsOff + t];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " (position " + t + ") is outside the vocabulary [0, "
                        + vocab + ")");
            }
        }
        KernelArgs.slice("out", out, outOff, (long) count * dim);
        Parallel.forRange(count, Math.max(1, 16384 / Math.max(1, dim)), (s, e) -> {
            for (int t = s; t < e; t++) copyRow(table, ids[idsOff + t], out, outOff + t * dim, dim);
        });
    }

    private static void copyRow(Tensor table, int id, float[] out, int off, int dim) {
        DType type = table.dtype();
        boolean rowsContiguous = table.strides()[1] == 1;
        if (table.isHeap() && rowsContiguous) {
            System.arraycopy(table.heapArray(), (int) (table.offset() + id * table.strides()[0]), out, off, dim);
            return;
        }
        if (!table.isHeap() && rowsContiguous) {
            MemorySegment row = table.rowBytes(id);
            switch (type) {
                case F32 -> { MemorySegment.copy(row, F32_LE, 0, out, off, dim); return; }
                case F16 -> {
                    for (int i = 0; i < dim; i++) out[off + i] = Float.float16ToFloat(row.getAtIndex(I16_LE, i));
                    return;
                }
                case BF16 -> {
                    for (int i = 0; i < dim; i++) out[off + i] = Float.intBitsToFloat((row.getAtIndex(I16_LE, i) & 0xffff) << 16);
                    return;
                }
                default -> {
                    if (type.isQuantized()) {
                        Quants.dequantize(type, row, 0, out, off, dim);
                        return;
                    }
                }
            }
        }
        float[] row = table.row(id).toFloatArray(); // strided or unusual dtypes: the general reader
        System.arraycopy(row, 0, out, off, dim);
    }
}

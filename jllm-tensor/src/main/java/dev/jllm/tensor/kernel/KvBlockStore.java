package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.quant.Quants;

import java.lang.foreign.MemorySegment;

/**
 * One layer's keys (or values) in fixed-size blocks of token rows, each row
 * {@code kvHeads * headDim} elements, stored as F32, F16 or ggml's Q8_0 (blocks of 32: an f16
 * scale and 32 int8, quantized exactly as ggml's quantize_row_q8_0_ref). Which block holds which
 * tokens of which sequence is the caller's business (a block table); {@link PagedAttention}
 * reads the rows back through such a table.
 */
public final class KvBlockStore {
    private final DType type;
    private final int blocks, blockSize, kvHeads, headDim, rowLen;
    final float[] f32;
    final short[] f16;
    final byte[] q8;
    private final int rowBytes; // Q8_0 bytes per row

    public KvBlockStore(DType type, int blocks, int blockSize, int kvHeads, int headDim) {
        if (blocks <= 0 || blockSize <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("bad KV block geometry: blocks=" + blocks + " blockSize=" + blockSize
                    + " kvHeads=" + kvHeads + " headDim=" + headDim);
        }
        this.type = type;
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.rowLen = kvHeads * headDim;
        long rows = (long) blocks * blockSize;
        switch (type) {
            case F32 -> { f32 = new float[checked(rows * rowLen)]; f16 = null; q8 = null; rowBytes = 0; }
            case F16 -> { f16 = new short[checked(rows * rowLen)]; f32 = null; q8 = null; rowBytes = 0; }
            case Q8_0 -> {
                if (rowLen % 32 != 0) {
                    throw new IllegalArgumentException("a Q8_0 KV cache needs kvHeads x headDim (" + kvHeads + " x " + headDim
                            + " = " + rowLen + ") to be a multiple of 32; use f16");
                }
                rowBytes = rowLen / 32 * DType.Q8_0.blockBytes();
                q8 = new byte[checked(rows * rowBytes)];
                f32 = null;
                f16 = null;
            }
            default -> throw new IllegalArgumentException("KV cache type must be F32, F16 or Q8_0, got " + type);
        }
    }

    private int checked(long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV pool of " + blocks + " blocks x " + blockSize + " tokens x " + rowLen
                    + " " + type + " values does not fit one array per layer; use fewer blocks");
        }
        return (int) n;
    }

    public DType type() { return type; }
    public int blocks() { return blocks; }
    public int blockSize() { return blockSize; }
    public int kvHeads() { return kvHeads; }
    public int headDim() { return headDim; }

    /** Bytes one token row takes in {@code type} (for sizing pools). */
    public static long bytesPerRow(DType type, int rowLen) {
        return switch (type) {
            case F32 -> 4L * rowLen;
            case F16 -> 2L * rowLen;
            case Q8_0 -> (long) rowLen / 32 * DType.Q8_0.blockBytes();
            default -> throw new IllegalArgumentException("KV cache type must be F32, F16 or Q8_0, got " + type);
        };
    }

    /** Bytes this store holds. */
    public long bytes() { return (long) blocks * blockSize * bytesPerRow(type, rowLen); }

    private int row(int block, int slot) {
        if (block < 0 || block >= blocks || slot < 0 || slot >= blockSize) {
            throw new IndexOutOfBoundsException("KV row (block " + block + ", slot " + slot + ") outside " + blocks
                    + " blocks of " + blockSize);
        }
        return block * blockSize + slot;
    }

    /** Stores one token row ({@code kvHeads * headDim} floats from {@code src[off]}) at (block, slot). */
    public void write(int block, int slot, float[] src, int off) {
        int r = row(block, slot);
        switch (type) {
            case F32 -> System.arraycopy(src, off, f32, r * rowLen, rowLen);
            case F16 -> {
                int o = r * rowLen;
                for (int i = 0; i < rowLen; i++) f16[o + i] = Float.floatToFloat16(src[off + i]);
            }
            default -> Quants.quantize(DType.Q8_0, src, off, MemorySegment.ofArray(q8), (long) r * rowBytes, rowLen);
        }
    }

    /** Reads back {@code headDim} values of KV head {@code head} at (block, slot) into {@code dst[off..]}. */
    public void read(int block, int slot, int head, float[] dst, int off) {
        readRow(row(block, slot), head, dst, off);
    }

    /** Unchecked read of row {@code r} (block * blockSize + slot), head {@code head}. */
    void readRow(int r, int head, float[] dst, int off) {
        switch (type) {
            case F32 -> System.arraycopy(f32, r * rowLen + head * headDim, dst, off, headDim);
            case F16 -> {
                int o = r * rowLen + head * headDim;
                for (int i = 0; i < headDim; i++) dst[off + i] = Float.float16ToFloat(f16[o + i]);
            }
            default -> {
                int base = r * rowBytes, e = head * headDim, end = e + headDim;
                while (e < end) {
                    int blk = e >>> 5, in = e & 31, n = Math.min(32 - in, end - e);
                    int bo = base + blk * 34;
                    float d = Float.float16ToFloat((short) ((q8[bo] & 0xff) | (q8[bo + 1] << 8)));
                    int qo = bo + 2 + in;
                    for (int i = 0; i < n; i++) dst[off + i] = d * q8[qo + i];
                    off += n;
                    e += n;
                }
            }
        }
    }

    /** Copies every row of block {@code from} into block {@code to} (copy-on-write). */
    public void copyBlock(int from, int to) {
        int a = row(from, 0), b = row(to, 0);
        switch (type) {
            case F32 -> System.arraycopy(f32, a * rowLen, f32, b * rowLen, blockSize * rowLen);
            case F16 -> System.arraycopy(f16, a * rowLen, f16, b * rowLen, blockSize * rowLen);
            default -> System.arraycopy(q8, a * rowBytes, q8, b * rowBytes, blockSize * rowBytes);
        }
    }
}

package dev.jllm.formats;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a file says about one tensor, without touching its data: the name, the dtype as the
 * format spells it, the row-major shape (jllm order: last dimension contiguous), the bytes
 * it occupies and where they start in {@code file}.
 */
public record TensorEntry(String name, String dtype, long[] shape, long byteSize, Path file, long fileOffset) {
    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry e && name.equals(e.name) && dtype.equals(e.dtype)
                && Arrays.equals(shape, e.shape) && byteSize == e.byteSize
                && java.util.Objects.equals(file, e.file) && fileOffset == e.fileOffset;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " " + byteSize + "B @" + fileOffset;
    }
}

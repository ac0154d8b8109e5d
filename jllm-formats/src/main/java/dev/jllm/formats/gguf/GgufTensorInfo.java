package dev.jllm.formats.gguf;

import java.util.Arrays;

/**
 * One tensor info of a GGUF file. {@code ne} is in ggml order (ne[0] = the contiguous
 * dimension, i.e. columns); {@link #shape()} is jllm's row-major order (reversed).
 * {@code offset} is relative to the start of the data section.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] ne, long offset, long byteSize) {
    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() { return ne.clone(); }

    /** Row-major shape: the reverse of {@link #ne()}. */
    public long[] shape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
        return s;
    }

    public long numel() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(ne); }

    @Override
    public String toString() { return name + " " + type + " ne=" + Arrays.toString(ne) + " @" + offset; }
}

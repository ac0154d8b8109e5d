package dev.jllm.models;

/**
 * One sequence's keys and values, per layer, in the token-major layout the attention kernel
 * reads ([tokens, kvHeads, headDim]). Contiguous F32 for now; a paged pool comes with the server.
 */
public final class KvCache implements ModelState {
    final float[][] keys;
    final float[][] values;
    private final int rowFloats;
    private final int capacity;
    private int length;

    public KvCache(int layers, int capacity, int kvHeads, int headDim) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        long floats = (long) capacity * kvHeads * headDim;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV cache of " + capacity + " tokens x " + kvHeads + " heads x " + headDim
                    + " dims does not fit one array per layer; use a shorter context");
        }
        this.rowFloats = kvHeads * headDim;
        this.capacity = capacity;
        this.keys = new float[layers][(int) floats];
        this.values = new float[layers][(int) floats];
    }

    @Override public int length() { return length; }
    @Override public int capacity() { return capacity; }

    @Override
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " tokens to " + newLength);
        }
        length = newLength;
    }

    /** Copies {@code n} rows of K and V for {@code layer} into positions {@code [pos, pos+n)}. */
    void write(int layer, int pos, float[] k, float[] v, int n) {
        System.arraycopy(k, 0, keys[layer], pos * rowFloats, n * rowFloats);
        System.arraycopy(v, 0, values[layer], pos * rowFloats, n * rowFloats);
    }

    void advance(int n) { length += n; }
}

package dev.jllm.models;

import dev.jllm.tensor.DType;

/**
 * One sequence's keys and values, per layer, in the token-major layout the attention kernel
 * reads ([tokens, kvHeads, headDim]). Elements are F32 (plain arrays, the exact path) or, to
 * halve or quarter the memory, F16 or ggml's Q8_0 ({@code --kv-type}); the latter two are kept
 * as a {@link PagedKvCache} of a single block that spans the whole capacity.
 */
public final class KvCache implements ModelState {
    final float[][] keys;
    final float[][] values;
    /** Non-null for F16/Q8_0: block 0 holds positions 0..capacity-1. */
    final PagedKvCache packed;
    private final int rowFloats;
    private final int capacity;
    private final DType type;
    private int length;

    /** An F32 cache. */
    public KvCache(int layers, int capacity, int kvHeads, int headDim) {
        this(layers, capacity, kvHeads, headDim, DType.F32);
    }

    /** @param type F32, F16 or Q8_0 (Q8_0 needs kvHeads x headDim to be a multiple of 32) */
    public KvCache(int layers, int capacity, int kvHeads, int headDim, DType type) {
        if (capacity <= 0) throw new IllegalArgumentException("KV cache capacity must be positive, got " + capacity);
        long floats = (long) capacity * kvHeads * headDim;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV cache of " + capacity + " tokens x " + kvHeads + " heads x " + headDim
                    + " dims does not fit one array per layer; use a shorter context");
        }
        this.rowFloats = kvHeads * headDim;
        this.capacity = capacity;
        this.type = type;
        if (type == DType.F32) {
            this.keys = new float[layers][(int) floats];
            this.values = new float[layers][(int) floats];
            this.packed = null;
        } else {
            this.keys = null;
            this.values = null;
            this.packed = new PagedKvCache(layers, 1, capacity, kvHeads, headDim, type);
        }
    }

    /** A cache over a one-block paged pool built by the model (DeepSeek's latent rows: {@link PagedKvCache#latent}). */
    KvCache(PagedKvCache packed, int capacity) {
        if (packed.blocks() != 1 || packed.blockSize() != capacity) {
            throw new IllegalArgumentException("a single-sequence cache is one block of its capacity");
        }
        this.keys = null;
        this.values = null;
        this.packed = packed;
        this.rowFloats = 0;
        this.capacity = capacity;
        this.type = packed.type();
    }

    /**
     * The element type for a {@code --kv-type} value: {@code f32}, {@code f16} or {@code q8_0}
     * (case-insensitive).
     */
    public static DType parseType(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            case "q8_0" -> DType.Q8_0;
            default -> throw new IllegalArgumentException("KV cache type must be f32, f16 or q8_0, got '" + s + "'");
        };
    }

    /** Element type of the cached keys and values. */
    public DType type() { return type; }

    @Override public int length() { return length; }
    @Override public int capacity() { return capacity; }

    @Override
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " tokens to " + newLength);
        }
        length = newLength;
    }

    /** Copies {@code n} rows of K and V for {@code layer} into positions {@code [pos, pos+n)} (F32 only). */
    void write(int layer, int pos, float[] k, float[] v, int n) {
        System.arraycopy(k, 0, keys[layer], pos * rowFloats, n * rowFloats);
        System.arraycopy(v, 0, values[layer], pos * rowFloats, n * rowFloats);
    }

    void advance(int n) { length += n; }
}

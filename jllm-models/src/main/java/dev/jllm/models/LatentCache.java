package dev.jllm.models;

/**
 * One sequence's multi-head latent attention cache (DeepSeek-V2/V3): per layer and token only
 * the compressed KV latent ({@code rank} floats) and the rotary key shared by all heads
 * ({@code ropeDim} floats) — never per-head keys or values. For DeepSeek-V3's shapes that is
 * 512 + 64 floats per token and layer where plain multi-head attention would keep
 * 128 heads x (192 + 128).
 */
public final class LatentCache implements ModelState {
    final float[][] latent;
    final float[][] ropeKeys;
    private final int rank, ropeDim, capacity;
    private int length;

    public LatentCache(int layers, int capacity, int rank, int ropeDim) {
        if (capacity <= 0) throw new IllegalArgumentException("latent cache capacity must be positive, got " + capacity);
        if ((long) capacity * Math.max(rank, ropeDim) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a latent cache of " + capacity + " tokens x " + rank + " does not fit one array per layer");
        }
        this.rank = rank;
        this.ropeDim = ropeDim;
        this.capacity = capacity;
        this.latent = new float[layers][capacity * rank];
        this.ropeKeys = new float[layers][capacity * ropeDim];
    }

    /** Floats stored per token and layer: the latent plus the rotary key. */
    public int floatsPerTokenAndLayer() { return rank + ropeDim; }

    /** Floats this cache holds in all (every layer, the full capacity). */
    public long floats() {
        long n = 0;
        for (int l = 0; l < latent.length; l++) n += latent[l].length + ropeKeys[l].length;
        return n;
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

    void advance(int n) { length += n; }
}

package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Q4_0 (and Q8_0) weight times 2 or more token rows (batched decode, prefill): each decoded weight is
 * reused across all tokens, with the products summed in 16-bit lanes. Measured faster than
 * widening to F32 for the GEMM as well (up to 512 tokens), so Q4_0 never takes the GEMM path.
 *
 * <p>The per-token int8 dots of {@link QuantMatMul}'s tile path cost as much per token as the
 * single-token matvec (the Vector API has no {@code pmaddwd}, so each dot pays for widening
 * and pairwise sums). Here the weight is instead repacked once (cached per weight tensor)
 * into tiles of {@link #R} rows, one short vector's lanes: for each 32-column block and each
 * byte j of the Q4_0 block, the R rows' bytes lie contiguously (low nibble = column j, high =
 * column j + 16), followed by nothing else; the R rows' F32 block scales lie in a separate
 * array. One load and three shifts give the two columns' weights for all R rows, and each
 * token then costs one multiply by its broadcast int8 activation and one add per column:
 * {@code |w| <= 8}, {@code |x| <= 127}, so a block's 32 products sum to at most 32512 and fit a
 * short. Once per block the short sums are widened to float and scaled by (row scale x token
 * block scale), as the matvec does, so the result equals the matvec's up to float summation
 * order. Activations are quantized exactly as for the matvec ({@link MatVecInput}).
 *
 * <p>The nibbles are stored XOR 0x88, i.e. as signed 4-bit values {@code q - 8}: a signed
 * widening then gives the high column by one arithmetic shift and the low one by two.
 *
 * <p>Q8_0 (below the GEMM threshold) is packed the same way, one int8 byte per row and
 * column, and split in registers into two 16-bit-safe halves ({@link #tileVectorQ8}).
 */
final class QuantMatMulPacked {
    private QuantMatMulPacked() {}

    /**
     * {@code -Djllm.matmul.packed=auto} (default): repack only once a batching engine asked for it
     * ({@link QuantMatMul#repackForBatches()}: the server trades a heap copy of the Q4_0/Q8_0
     * weights for ~3x cheaper batched decode), so {@code generate}/{@code chat} keep resident
     * memory close to the file size; {@code true}: always (prefill of short prompts gets faster
     * too); {@code false}: never (the decoded-tile path, for comparisons).
     */
    private static final String POLICY = System.getProperty("jllm.matmul.packed", "auto");
    private static volatile boolean batchesRequested;

    static boolean enabled() {
        return POLICY.equalsIgnoreCase("true") || (POLICY.equalsIgnoreCase("auto") && batchesRequested);
    }

    static void requestForBatches() { batchesRequested = true; }

    private static final boolean VECTOR = Simd.BITS >= 128;
    private static final int BITS = VECTOR ? Simd.BITS : 128;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    /** Rows per tile: the shorts of one vector (8, 16 or 32; 8 on the scalar path). */
    static final int R = S.length();
    private static final int H = R / 2;

    /** Repacked weights by tensor identity; weights are long-lived (Linear layers), and dropped with them. */
    private static final Map<Tensor, Packed> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Tiles of R rows: Q4_0 nib[((tile * nb + b) * 16 + j) * R + r], Q8_0 (q8) the int8 values
     * at nib[((tile * nb + b) * 32 + k) * R + r]; scale[(tile * nb + b) * R + r]; padding rows are 0.
     */
    record Packed(int rows, int cols, int tiles, boolean q8, byte[] nib, float[] scale) {}

    /** True when {@code w} takes this path for m >= 2 tokens. */
    static boolean applies(MatVecWeight w) {
        if (!enabled() || (w.type != DType.Q4_0 && w.type != DType.Q8_0) || w.seg == null) return false;
        long tiles = (w.rows + R - 1) / R;
        return tiles * (w.cols / 32) * 32 * R <= Integer.MAX_VALUE - 64;
    }

    /**
     * The cached repack of {@code t}, made on first use; null (the caller then takes the
     * decoded-tile path) when the heap has no room for it: the copy is ~1.1x the Q4_0 bytes,
     * and a large model's weights are memory-mapped, outside the heap.
     */
    static Packed packed(Tensor t, MatVecWeight w) {
        Packed p = CACHE.get(t);
        if (p != null && p.rows == w.rows && p.cols == w.cols) return p;
        long tiles = (w.rows + R - 1) / R, bytes = tiles * (w.cols / 32) * R * (w.type == DType.Q8_0 ? 36 : 20);
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (bytes + Math.max(256L << 20, rt.maxMemory() / 8) > free) {
            if (!WARNED.getAndSet(true)) {
                System.getLogger(QuantMatMulPacked.class.getName()).log(System.Logger.Level.WARNING,
                        "not enough heap to repack a Q4_0 weight for batched products (" + (bytes >> 20) + " MiB, "
                        + (free >> 20) + " MiB free of -Xmx " + (rt.maxMemory() >> 20) + " MiB): using the slower "
                        + "per-token path; a larger -Xmx avoids this");
            }
            return null;
        }
        p = pack(w);
        CACHE.put(t, p);
        return p;
    }

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    static Packed pack(MatVecWeight w) {
        int rows = w.rows, cols = w.cols, nb = cols / 32, tiles = (rows + R - 1) / R;
        boolean q8 = w.type == DType.Q8_0;
        int per = q8 ? 32 : 16, blockBytes = q8 ? 34 : 18;
        byte[] nib = new byte[tiles * nb * per * R];
        float[] scale = new float[tiles * nb * R];
        Parallel.forRange(tiles, (s, e) -> {
            for (int tile = s; tile < e; tile++) {
                for (int r = 0, n = Math.min(R, rows - tile * R); r < n; r++) {
                    long off = w.rowOffset(tile * R + r);
                    for (int b = 0; b < nb; b++, off += blockBytes) {
                        int blk = tile * nb + b;
                        scale[blk * R + r] = MatVecDecoder.f16(w.seg, off);
                        for (int j = 0; j < per; j++) {
                            byte v = w.seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + 2 + j);
                            nib[(blk * per + j) * R + r] = q8 ? v : (byte) (v ^ 0x88);
                        }
                    }
                }
            }
        });
        return new Packed(rows, cols, tiles, q8, nib, scale);
    }

    /** Tiles a thread claims at a time: 64 rows, 10-100 us of work at 2-63 tokens. */
    private static final int CLAIM = 2;

    /**
     * {@code y[yOff + t * rows + r]} for tokens t < in.tokens. The team's threads claim
     * {@link #CLAIM} tiles at a time from a shared counter (as {@link MatVec}'s fused kernels
     * do): on a shared machine a descheduled thread then holds back one claim, not half of
     * the matrix.
     */
    static void matmul(Packed p, MatVecInput in, float[] y, int yOff) {
        int m = in.tokens, chunks = (p.tiles + CLAIM - 1) / CLAIM;
        AtomicInteger next = new AtomicInteger();
        Parallel.forRange(Math.min(Parallel.threads(), chunks), (s, e) -> {
            float[] acc = new float[m * R];
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                for (int tile = c * CLAIM, end = Math.min(p.tiles, tile + CLAIM); tile < end; tile++) {
                    java.util.Arrays.fill(acc, 0f);
                    if (VECTOR && p.q8) tileVectorQ8(p, tile, in, acc);
                    else if (VECTOR) tileVector(p, tile, in, acc);
                    else tileScalar(p, tile, in, acc);
                    store(p, tile, acc, m, y, yOff);
                }
            }
        });
    }

    private static void store(Packed p, int tile, float[] acc, int m, float[] y, int yOff) {
        int r0 = tile * R, n = Math.min(R, p.rows - r0);
        for (int t = 0; t < m; t++) System.arraycopy(acc, t * R, y, yOff + t * p.rows + r0, n);
    }

    private static void tileScalar(Packed p, int tile, MatVecInput in, float[] acc) {
        int nb = p.cols / 32, m = in.tokens;
        short[] xq = in.q;
        for (int b = 0; b < nb; b++) {
            int blk = tile * nb + b;
            for (int t = 0; t < m; t++) {
                int xo = t * p.cols + b * 32;
                float d = in.d[t * nb + b];
                for (int r = 0; r < R; r++) {
                    int s = 0;
                    if (p.q8) {
                        for (int k = 0; k < 32; k++) s += p.nib[(blk * 32 + k) * R + r] * xq[xo + k];
                    } else {
                        for (int j = 0; j < 16; j++) {
                            int v = p.nib[(blk * 16 + j) * R + r];
                            s += ((v << 28) >> 28) * xq[xo + j] + (v >> 4) * xq[xo + j + 16];
                        }
                    }
                    acc[t * R + r] += s * (p.scale[blk * R + r] * d);
                }
            }
        }
    }

    private static void tileVector(Packed p, int tile, MatVecInput in, float[] acc) {
        int nb = p.cols / 32, m = in.tokens;
        short[] sums = new short[m * R];
        for (int b = 0; b < nb; b++) {
            int blk = tile * nb + b, nOff = blk * 16 * R;
            int t = 0;
            for (; m - t >= 8; t += 8) block8(p.nib, nOff, in, b, t, sums);
            if (m - t >= 4) {
                block4(p.nib, nOff, in, b, t, sums);
                t += 4;
            }
            if (m - t >= 2) {
                block2(p.nib, nOff, in, b, t, sums);
                t += 2;
            }
            if (m - t == 1) block1(p.nib, nOff, in, b, t, sums);
            flushAll(sums, m, p.scale, blk * R, in, b, acc);
        }
    }

    /**
     * Q8_0: |q| <= 128 would let 32 products overflow a short, so each weight is split as
     * {@code q = 16h + l} with {@code l} in [-8, 7] and {@code |h| <= 8}: two short sums per
     * token, each bounded like Q4_0's, recombined as {@code 16 sum_h + sum_l} in int lanes.
     */
    private static void tileVectorQ8(Packed p, int tile, MatVecInput in, float[] acc) {
        int nb = p.cols / 32, m = in.tokens;
        short[] sums = new short[m * R], sumsL = new short[m * R];
        for (int b = 0; b < nb; b++) {
            int blk = tile * nb + b, nOff = blk * 32 * R;
            int t = 0;
            for (; m - t >= 4; t += 4) q8Block4(p.nib, nOff, in, b, t, sums, sumsL);
            if (m - t >= 2) {
                q8Block2(p.nib, nOff, in, b, t, sums, sumsL);
                t += 2;
            }
            if (m - t == 1) q8Block1(p.nib, nOff, in, b, t, sums, sumsL);
            flushAllQ8(sums, sumsL, m, p.scale, blk * R, in, b, acc);
        }
    }

    private static void flushAllQ8(short[] sums, short[] sumsL, int m, float[] scale, int sOff, MatVecInput in, int b, float[] acc) {
        int nb = in.cols / 32;
        FloatVector s0 = FloatVector.fromArray(F, scale, sOff), s1 = FloatVector.fromArray(F, scale, sOff + H);
        for (int t = 0; t < m; t++) {
            ShortVector h = ShortVector.fromArray(S, sums, t * R), l = ShortVector.fromArray(S, sumsL, t * R);
            IntVector i0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 4)
                    .add((IntVector) l.convertShape(VectorOperators.S2I, I, 0));
            IntVector i1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 4)
                    .add((IntVector) l.convertShape(VectorOperators.S2I, I, 1));
            float d = in.d[t * nb + b];
            int off = t * R;
            ((FloatVector) i0.convert(VectorOperators.I2F, 0)).fma(s0.mul(d), FloatVector.fromArray(F, acc, off)).intoArray(acc, off);
            ((FloatVector) i1.convert(VectorOperators.I2F, 0)).fma(s1.mul(d), FloatVector.fromArray(F, acc, off + H)).intoArray(acc, off + H);
        }
    }

    private static void q8Block1(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums, short[] sumsL) {
        short[] x = in.q;
        int c = in.cols, x0 = t * c + b * 32;
        ShortVector h0 = ShortVector.zero(S), l0 = h0;
        for (int k = 0; k < 32; k++) {
            ShortVector w = wide(nib, nOff + k * R), hi = w.add((short) 8).lanewise(VectorOperators.ASHR, 4);
            ShortVector lo = w.sub(hi.lanewise(VectorOperators.LSHL, 4));
            ShortVector e0 = ShortVector.broadcast(S, x[x0 + k]);
            h0 = h0.add(hi.mul(e0));
            l0 = l0.add(lo.mul(e0));
        }
        h0.intoArray(sums, (t + 0) * R);
        l0.intoArray(sumsL, (t + 0) * R);
    }


    private static void q8Block2(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums, short[] sumsL) {
        short[] x = in.q;
        int c = in.cols, x0 = t * c + b * 32, x1 = x0 + c;
        ShortVector h0 = ShortVector.zero(S), h1 = h0, l0 = h0, l1 = h0;
        for (int k = 0; k < 32; k++) {
            ShortVector w = wide(nib, nOff + k * R), hi = w.add((short) 8).lanewise(VectorOperators.ASHR, 4);
            ShortVector lo = w.sub(hi.lanewise(VectorOperators.LSHL, 4));
            ShortVector e0 = ShortVector.broadcast(S, x[x0 + k]);
            h0 = h0.add(hi.mul(e0));
            l0 = l0.add(lo.mul(e0));
            ShortVector e1 = ShortVector.broadcast(S, x[x1 + k]);
            h1 = h1.add(hi.mul(e1));
            l1 = l1.add(lo.mul(e1));
        }
        h0.intoArray(sums, (t + 0) * R);
        l0.intoArray(sumsL, (t + 0) * R);
        h1.intoArray(sums, (t + 1) * R);
        l1.intoArray(sumsL, (t + 1) * R);
    }


    private static void q8Block4(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums, short[] sumsL) {
        short[] x = in.q;
        int c = in.cols, x0 = t * c + b * 32, x1 = x0 + c, x2 = x1 + c, x3 = x2 + c;
        ShortVector h0 = ShortVector.zero(S), h1 = h0, h2 = h0, h3 = h0, l0 = h0, l1 = h0, l2 = h0, l3 = h0;
        for (int k = 0; k < 32; k++) {
            ShortVector w = wide(nib, nOff + k * R), hi = w.add((short) 8).lanewise(VectorOperators.ASHR, 4);
            ShortVector lo = w.sub(hi.lanewise(VectorOperators.LSHL, 4));
            ShortVector e0 = ShortVector.broadcast(S, x[x0 + k]);
            h0 = h0.add(hi.mul(e0));
            l0 = l0.add(lo.mul(e0));
            ShortVector e1 = ShortVector.broadcast(S, x[x1 + k]);
            h1 = h1.add(hi.mul(e1));
            l1 = l1.add(lo.mul(e1));
            ShortVector e2 = ShortVector.broadcast(S, x[x2 + k]);
            h2 = h2.add(hi.mul(e2));
            l2 = l2.add(lo.mul(e2));
            ShortVector e3 = ShortVector.broadcast(S, x[x3 + k]);
            h3 = h3.add(hi.mul(e3));
            l3 = l3.add(lo.mul(e3));
        }
        h0.intoArray(sums, (t + 0) * R);
        l0.intoArray(sumsL, (t + 0) * R);
        h1.intoArray(sums, (t + 1) * R);
        l1.intoArray(sumsL, (t + 1) * R);
        h2.intoArray(sums, (t + 2) * R);
        l2.intoArray(sumsL, (t + 2) * R);
        h3.intoArray(sums, (t + 3) * R);
        l3.intoArray(sumsL, (t + 3) * R);
    }

    /** Column j's (high nibble: j + 16's) signed weights of the tile's R rows. */
    private static ShortVector wide(byte[] nib, int off) {
        return (ShortVector) ByteVector.fromArray(BH, nib, off).convertShape(VectorOperators.B2S, S, 0);
    }

    private static ShortVector low(ShortVector v) {
        return v.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12);
    }

    private static ShortVector high(ShortVector v) {
        return v.lanewise(VectorOperators.ASHR, 4);
    }

    /** acc[off .. off + R) += float(a) * scales * d. */
    private static void flush(ShortVector a, FloatVector s0, FloatVector s1, float d, float[] acc, int off) {
        FloatVector f0 = (FloatVector) a.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0);
        FloatVector f1 = (FloatVector) a.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0);
        f0.fma(s0.mul(d), FloatVector.fromArray(F, acc, off)).intoArray(acc, off);
        f1.fma(s1.mul(d), FloatVector.fromArray(F, acc, off + H)).intoArray(acc, off + H);
    }

    /** Every token's short sums of block b (at sums[t * R]) into acc: one call site keeps the block methods small enough for C2 to inline all their vector ops. */
    private static void flushAll(short[] sums, int m, float[] scale, int sOff, MatVecInput in, int b, float[] acc) {
        int nb = in.cols / 32;
        FloatVector s0 = FloatVector.fromArray(F, scale, sOff), s1 = FloatVector.fromArray(F, scale, sOff + H);
        for (int t = 0; t < m; t++) flush(ShortVector.fromArray(S, sums, t * R), s0, s1, in.d[t * nb + b], acc, t * R);
    }

    private static void block1(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums) {
        short[] x = in.q;
        int x0 = t * in.cols + b * 32;
        ShortVector a0 = ShortVector.zero(S);
        for (int j = 0; j < 16; j++) {
            ShortVector v = wide(nib, nOff + j * R), lo = low(v), hi = high(v);
            a0 = a0.add(lo.mul(x[x0 + j])).add(hi.mul(x[x0 + j + 16]));
        }
        a0.intoArray(sums, t * R);
    }

    private static void block2(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums) {
        short[] x = in.q;
        int c = in.cols, x0 = t * c + b * 32, x1 = x0 + c;
        ShortVector a0 = ShortVector.zero(S), a1 = a0;
        for (int j = 0; j < 16; j++) {
            ShortVector v = wide(nib, nOff + j * R), lo = low(v), hi = high(v);
            a0 = a0.add(lo.mul(x[x0 + j])).add(hi.mul(x[x0 + j + 16]));
            a1 = a1.add(lo.mul(x[x1 + j])).add(hi.mul(x[x1 + j + 16]));
        }
        a0.intoArray(sums, (t + 0) * R);
        a1.intoArray(sums, (t + 1) * R);
    }

    private static void block4(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums) {
        short[] x = in.q;
        int c = in.cols, x0 = t * c + b * 32, x1 = x0 + c, x2 = x1 + c, x3 = x2 + c;
        ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < 16; j++) {
            ShortVector v = wide(nib, nOff + j * R), lo = low(v), hi = high(v);
            a0 = a0.add(lo.mul(x[x0 + j])).add(hi.mul(x[x0 + j + 16]));
            a1 = a1.add(lo.mul(x[x1 + j])).add(hi.mul(x[x1 + j + 16]));
            a2 = a2.add(lo.mul(x[x2 + j])).add(hi.mul(x[x2 + j + 16]));
            a3 = a3.add(lo.mul(x[x3 + j])).add(hi.mul(x[x3 + j + 16]));
        }
        a0.intoArray(sums, (t + 0) * R);
        a1.intoArray(sums, (t + 1) * R);
        a2.intoArray(sums, (t + 2) * R);
        a3.intoArray(sums, (t + 3) * R);
    }

    private static void block8(byte[] nib, int nOff, MatVecInput in, int b, int t, short[] sums) {
        short[] x = in.q;
        int c = in.cols, x0 = t * c + b * 32, x1 = x0 + c, x2 = x1 + c, x3 = x2 + c,
                x4 = x3 + c, x5 = x4 + c, x6 = x5 + c, x7 = x6 + c;
        ShortVector a0 = ShortVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int j = 0; j < 16; j++) {
            ShortVector v = wide(nib, nOff + j * R), lo = low(v), hi = high(v);
            a0 = a0.add(lo.mul(x[x0 + j])).add(hi.mul(x[x0 + j + 16]));
            a1 = a1.add(lo.mul(x[x1 + j])).add(hi.mul(x[x1 + j + 16]));
            a2 = a2.add(lo.mul(x[x2 + j])).add(hi.mul(x[x2 + j + 16]));
            a3 = a3.add(lo.mul(x[x3 + j])).add(hi.mul(x[x3 + j + 16]));
            a4 = a4.add(lo.mul(x[x4 + j])).add(hi.mul(x[x4 + j + 16]));
            a5 = a5.add(lo.mul(x[x5 + j])).add(hi.mul(x[x5 + j + 16]));
            a6 = a6.add(lo.mul(x[x6 + j])).add(hi.mul(x[x6 + j + 16]));
            a7 = a7.add(lo.mul(x[x7 + j])).add(hi.mul(x[x7 + j + 16]));
        }
        a0.intoArray(sums, (t + 0) * R);
        a1.intoArray(sums, (t + 1) * R);
        a2.intoArray(sums, (t + 2) * R);
        a3.intoArray(sums, (t + 3) * R);
        a4.intoArray(sums, (t + 4) * R);
        a5.intoArray(sums, (t + 5) * R);
        a6.intoArray(sums, (t + 6) * R);
        a7.intoArray(sums, (t + 7) * R);
    }
}

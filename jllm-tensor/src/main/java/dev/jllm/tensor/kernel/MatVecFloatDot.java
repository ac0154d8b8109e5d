package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dot products of float weight rows (F32 on the heap or in a segment, F16, BF16) with a
 * float activation row. BF16 is widened in registers (it is the top half of an F32); F16
 * through C2's auto-vectorized fp16 conversion into a small buffer (see {@link #f16}).
 */
final class MatVecFloatDot {
    private MatVecFloatDot() {}

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final VectorSpecies<Float> F = Simd.F;
    private static final int N = Simd.LANES;
    /** 16-bit formats need a half-width short species, which exists from 128-bit vectors up. */
    private static final boolean HALF_VECTOR = Simd.BITS >= 128;
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class,
            VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));

    static float f32(float[] w, int wo, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (!Simd.SCALAR) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (int end = n - 2 * N; i <= end; i += 2 * N) {
                a0 = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), a0);
                a1 = FloatVector.fromArray(F, w, wo + i + N).fma(FloatVector.fromArray(F, x, xo + i + N), a1);
            }
            for (int end = n - N; i <= end; i += N) {
                a0 = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), a0);
            }
            r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += w[wo + i] * x[xo + i];
        return r;
    }

    static float f32(MemorySegment w, long off, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (!Simd.SCALAR) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (int end = n - 2 * N; i <= end; i += 2 * N) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
                a1 = FloatVector.fromMemorySegment(F, w, off + 4L * (i + N), LE).fma(FloatVector.fromArray(F, x, xo + i + N), a1);
            }
            for (int end = n - N; i <= end; i += N) {
                a0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
            }
            r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += w.get(F32_LE, off + 4L * i) * x[xo + i];
        return r;
    }

    /** F16 values widened per chunk: small enough to stay in L1 next to x. */
    private static final int CHUNK = 512;
    private static final ThreadLocal<float[]> WIDE = ThreadLocal.withInitial(() -> new float[CHUNK]);

    /**
     * F16 row dot. The Vector API has no fp16 conversion, but C2 compiles a plain loop of
     * {@link Float#float16ToFloat} over segment shorts to the hardware conversion (vcvtph2ps),
     * measured 3x faster than rebuilding the floats from bits in vector code; so each chunk
     * is widened by that loop into an L1-resident buffer and dotted from there.
     */
    static float f16(MemorySegment w, long off, float[] x, int xo, int n) {
        if (Simd.SCALAR) {
            float r = 0;
            for (int i = 0; i < n; i++) r += Float.float16ToFloat(w.get(I16_LE, off + 2L * i)) * x[xo + i];
            return r;
        }
        float[] f = WIDE.get();
        float r = 0;
        for (int i = 0; i < n; i += CHUNK) {
            int len = Math.min(CHUNK, n - i);
            widenF16(w, off + 2L * i, f, 0, len);
            r += f32(f, 0, x, xo + i, len);
        }
        return r;
    }

    /** Auto-vectorized by C2 (a vector fp16-to-float conversion). */
    private static void widenF16(MemorySegment w, long off, float[] f, int fOff, int len) {
        for (int i = 0; i < len; i++) f[fOff + i] = Float.float16ToFloat(w.get(I16_LE, off + 2L * i));
    }

    static float bf16(MemorySegment w, long off, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (HALF_VECTOR) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (int end = n - 2 * N; i <= end; i += 2 * N) {
                a0 = bf16Vector(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
                a1 = bf16Vector(w, off + 2L * (i + N)).fma(FloatVector.fromArray(F, x, xo + i + N), a1);
            }
            for (int end = n - N; i <= end; i += N) {
                a0 = bf16Vector(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
            }
            r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += bf16ToFloat(w.get(I16_LE, off + 2L * i)) * x[xo + i];
        return r;
    }

    /** Widens {@code n} F16 or BF16 values at {@code off} into {@code out[outOff..outOff+n)}. */
    static void widen(boolean bf16, MemorySegment w, long off, float[] out, int outOff, int n) {
        if (!bf16 && !Simd.SCALAR) {
            widenF16(w, off, out, outOff, n);
            return;
        }
        int i = 0;
        if (bf16 && HALF_VECTOR) {
            for (int end = n - N; i <= end; i += N) {
                bf16Vector(w, off + 2L * i).intoArray(out, outOff + i);
            }
        }
        for (; i < n; i++) {
            short h = w.get(I16_LE, off + 2L * i);
            out[outOff + i] = bf16 ? bf16ToFloat(h) : Float.float16ToFloat(h);
        }
    }

    static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    private static FloatVector bf16Vector(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH, w, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}

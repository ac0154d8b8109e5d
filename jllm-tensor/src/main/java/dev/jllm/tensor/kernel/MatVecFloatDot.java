package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dot products of float weight rows (F32 on the heap or in a segment, F16, BF16) with a
 * float activation row. F16 and BF16 are widened in registers: BF16 is the top half of an
 * F32; F16 is rebuilt from its bits (exponent rebias by a power-of-two multiply, which also
 * handles subnormals exactly; Inf/NaN patched separately).
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

    static float f16(MemorySegment w, long off, float[] x, int xo, int n) {
        int i = 0;
        float r = 0;
        if (HALF_VECTOR) {
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            for (int end = n - 2 * N; i <= end; i += 2 * N) {
                a0 = f16Vector(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
                a1 = f16Vector(w, off + 2L * (i + N)).fma(FloatVector.fromArray(F, x, xo + i + N), a1);
            }
            for (int end = n - N; i <= end; i += N) {
                a0 = f16Vector(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), a0);
            }
            r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) r += Float.float16ToFloat(w.get(I16_LE, off + 2L * i)) * x[xo + i];
        return r;
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

    /** Widens {@code n} F16 or BF16 values at {@code off} into {@code out[0..n)}. */
    static void widen(boolean bf16, MemorySegment w, long off, float[] out, int n) {
        int i = 0;
        if (HALF_VECTOR) {
            for (int end = n - N; i <= end; i += N) {
                (bf16 ? bf16Vector(w, off + 2L * i) : f16Vector(w, off + 2L * i)).intoArray(out, i);
            }
        }
        for (; i < n; i++) {
            short h = w.get(I16_LE, off + 2L * i);
            out[i] = bf16 ? bf16ToFloat(h) : Float.float16ToFloat(h);
        }
    }

    static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    private static FloatVector bf16Vector(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH, w, off, LE).convertShape(VectorOperators.S2I, F.withLanes(int.class), 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector f16Vector(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH, w, off, LE).convertShape(VectorOperators.S2I, F.withLanes(int.class), 0);
        IntVector mag = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        // exponent 15 -> 127: multiply by 2^112 (exact, and it normalizes subnormals)
        IntVector bits = mag.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infNan = mag.compare(VectorOperators.GE, 0x7c00 << 13);
        bits = bits.blend(mag.or(0x7f800000), infNan);
        return bits.or(h.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
    }
}

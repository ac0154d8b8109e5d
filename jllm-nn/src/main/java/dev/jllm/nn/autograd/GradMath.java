package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Vector loops the backward passes share. Each works on one slice and runs on the calling
 * thread; ops split rows or columns over {@link Parallel} around them. Column reductions
 * (bias and norm-weight gradients) run parallel over column blocks, so every sum is taken in
 * the same row order whatever the thread count: gradients are deterministic.
 */
final class GradMath {
    private GradMath() {}

    static final VectorSpecies<Float> F = Simd.F;
    /** Elements per parallel chunk below which splitting costs more than it saves. */
    static final int GRAIN_ELEMENTS = 16 * 1024;

    static int rowGrain(int rowLength) { return Math.max(1, GRAIN_ELEMENTS / Math.max(1, rowLength)); }

    /** {@code dst += src} over n elements. */
    static void addInto(float[] src, int so, float[] dst, int dOff, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, dst, dOff + i).add(FloatVector.fromArray(F, src, so + i)).intoArray(dst, dOff + i);
            }
        }
        for (; i < n; i++) dst[dOff + i] += src[so + i];
    }

    /** {@code dst += alpha * src} over n elements. */
    static void addScaledInto(float alpha, float[] src, int so, float[] dst, int dOff, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, src, so + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, dst, dOff + i)).intoArray(dst, dOff + i);
            }
        }
        for (; i < n; i++) dst[dOff + i] = Math.fma(alpha, src[so + i], dst[dOff + i]);
    }

    /** {@code dst += a * b} over n elements. */
    static void addProductInto(float[] a, int ao, float[] b, int bo, float[] dst, int dOff, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), FloatVector.fromArray(F, dst, dOff + i))
                        .intoArray(dst, dOff + i);
            }
        }
        for (; i < n; i++) dst[dOff + i] = Math.fma(a[ao + i], b[bo + i], dst[dOff + i]);
    }

    /** {@code sum a[i] * b[i]} in vector lanes, reduced in double. */
    static double dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            }
            total = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        }
        for (; i < n; i++) total += (double) a[ao + i] * b[bo + i];
        return total;
    }

    /** {@code dst[j] += sum_r m[r, j]} for a rows x cols row-major matrix; parallel over columns. */
    static void addColumnSums(float[] m, int rows, int cols, float[] dst) {
        Parallel.forRange(cols, columnGrain(rows), (s, e) -> {
            for (int r = 0; r < rows; r++) addInto(m, r * cols + s, dst, s, e - s);
        });
    }

    /**
     * {@code dst[j] += sum_r a[r, j] * (b[r, j] - rowShift[r]) * rowScale[r]} (null shift = 0,
     * null scale = 1): the weight gradient of a norm. Parallel over columns; a strip of columns
     * stays in cache across rows.
     */
    static void addColumnProducts(float[] a, float[] b, float[] rowShift, float[] rowScale, int rows, int cols, float[] dst) {
        Parallel.forRange(cols, columnGrain(rows), (s, e) -> {
            int width = e - s;
            float[] acc = new float[width];
            for (int r = 0; r < rows; r++) {
                int o = r * cols + s;
                float shift = rowShift == null ? 0f : rowShift[r];
                float scale = rowScale == null ? 1f : rowScale[r];
                int i = 0;
                if (!Simd.SCALAR) {
                    for (int bound = F.loopBound(width); i < bound; i += F.length()) {
                        FloatVector.fromArray(F, b, o + i).sub(shift).mul(scale).mul(FloatVector.fromArray(F, a, o + i))
                                .add(FloatVector.fromArray(F, acc, i)).intoArray(acc, i);
                    }
                }
                for (; i < width; i++) acc[i] += a[o + i] * ((b[o + i] - shift) * scale);
            }
            addInto(acc, 0, dst, s, width);
        });
    }

    /** Columns per chunk: enough that each thread's strip is long, a multiple of the vector width. */
    private static int columnGrain(int rows) {
        int g = Math.max(F.length(), GRAIN_ELEMENTS / Math.max(1, rows));
        return (g + F.length() - 1) / F.length() * F.length();
    }

    static String shape(int[] s) { return Arrays.toString(s); }

    /** Product of the dimensions before the last: the number of rows of a row-major value. */
    static int rows(Var v) {
        int r = 1;
        for (int i = 0; i < v.rank() - 1; i++) r *= v.dim(i);
        return r;
    }

    static void requireRank(String op, String what, Var v, int minRank) {
        if (v.rank() < minRank) {
            throw new IllegalArgumentException(op + ": " + what + " needs rank >= " + minRank + ", got " + v);
        }
    }

    static void requireSameShape(String op, Var a, Var b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes differ, " + a + " vs " + b);
        }
    }
}

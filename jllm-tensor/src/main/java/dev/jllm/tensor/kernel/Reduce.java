package dev.jllm.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Reductions over a {@code float[]} slice: sum, max, dot, argmax and top-k.
 *
 * <p>argmax and top-k break ties by the lower index, so greedy decoding is deterministic
 * whatever the vector width. They reject NaN (naming its index): a NaN logit means the model
 * went wrong upstream, and picking around it would hide that.
 */
public final class Reduce {
    private Reduce() {}

    private static final VectorSpecies<Float> F = Simd.F;

    /** The k largest values, largest first, with their indices. */
    public record TopK(int[] indices, float[] values) {}

    public static float sum(float[] x, int off, int n) {
        KernelArgs.slice("x", x, off, n);
        return (float) Norms.sum(x, off, n);
    }

    /** Maximum (-inf for n = 0; NaN if any element is NaN). */
    public static float max(float[] x, int off, int n) {
        KernelArgs.slice("x", x, off, n);
        return Softmax.max(x, off, n);
    }

    /** {@code sum a[i] * b[i]}, accumulated in vector lanes (in double on the scalar path). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        KernelArgs.slice("a", a, aOff, n);
        KernelArgs.slice("b", b, bOff, n);
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            int step = 2 * F.length();
            for (int bound = n - n % step; i < bound; i += step) {
                acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
                acc1 = FloatVector.fromArray(F, a, aOff + i + F.length())
                        .fma(FloatVector.fromArray(F, b, bOff + i + F.length()), acc1);
            }
            total = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) total += (double) a[aOff + i] * b[bOff + i];
        return (float) total;
    }

    /** Index (relative to {@code off}) of the largest element; the lowest such index on ties. */
    public static int argmax(float[] x, int off, int n) {
        KernelArgs.positive("n", n);
        KernelArgs.slice("x", x, off, n);
        float m = Softmax.max(x, off, n);
        if (Float.isNaN(m)) throw nanAt(x, off, n);
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                var hit = FloatVector.fromArray(F, x, off + i).eq(m);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
        }
        for (; i < n; i++) if (x[off + i] == m) return i;
        throw new AssertionError("maximum " + m + " not found again");
    }

    /**
     * The {@code k} largest elements (k is capped at n), sorted by value descending and, among
     * equal values, by index ascending. Indices are relative to {@code off}.
     */
    public static TopK topK(float[] x, int off, int n, int k) {
        KernelArgs.positive("k", k);
        KernelArgs.slice("x", x, off, n);
        k = Math.min(k, n);
        // a min-heap of the best k so far; its root is the current k-th best ("worst kept")
        int[] heapIdx = new int[k];
        float[] heapVal = new float[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (Float.isNaN(v)) throw nanAt(x, off, n);
            if (size < k) {
                heapIdx[size] = i;
                heapVal[size] = v;
                siftUp(heapIdx, heapVal, size++);
            } else if (v > heapVal[0]) { // equal value at a later index never displaces an earlier one
                heapIdx[0] = i;
                heapVal[0] = v;
                siftDown(heapIdx, heapVal, k);
            }
        }
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) order[i] = i;
        Arrays.sort(order, (p, q) -> heapVal[p] != heapVal[q] ? Float.compare(heapVal[q], heapVal[p])
                : Integer.compare(heapIdx[p], heapIdx[q]));
        int[] indices = new int[k];
        float[] values = new float[k];
        for (int i = 0; i < k; i++) {
            indices[i] = heapIdx[order[i]];
            values[i] = heapVal[order[i]];
        }
        return new TopK(indices, values);
    }

    /** Heap order: a is "worse" than b when its value is smaller, or equal with a larger index. */
    private static boolean worse(int[] idx, float[] val, int a, int b) {
        return val[a] < val[b] || (val[a] == val[b] && idx[a] > idx[b]);
    }

    private static void siftUp(int[] idx, float[] val, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(idx, val, i, parent)) return;
            swap(idx, val, i, parent);
            i = parent;
        }
    }

    private static void siftDown(int[] idx, float[] val, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < size && worse(idx, val, l, worst)) worst = l;
            if (r < size && worse(idx, val, r, worst)) worst = r;
            if (worst == i) return;
            swap(idx, val, i, worst);
            i = worst;
        }
    }

    private static void swap(int[] idx, float[] val, int a, int b) {
        int ti = idx[a]; idx[a] = idx[b]; idx[b] = ti;
        float tv = val[a]; val[a] = val[b]; val[b] = tv;
    }

    private static IllegalArgumentException nanAt(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(x[off + i])) return new IllegalArgumentException("NaN at index " + i + " of " + n);
        }
        return new IllegalArgumentException("NaN in input of " + n + " elements");
    }
}

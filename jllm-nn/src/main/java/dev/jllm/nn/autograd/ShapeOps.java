package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;

import java.util.Arrays;

/**
 * Reshape, permute/transpose, slice and concat. Reshape is free (a view sharing data and
 * gradient); the others copy, and their backward passes add the gradient back through the
 * same index map (each output element comes from exactly one input element, so the adds
 * never collide and run in parallel).
 */
public final class ShapeOps {
    private ShapeOps() {}

    /** The same values under {@code shape} (one dimension may be -1); no copy, no backward step. */
    public static Var reshape(Tape t, Var x, int... shape) {
        return t.needsGrad(x) ? x.reshaped(shape) : x.detached().reshaped(shape);
    }

    /** Swaps the two dimensions of a matrix. */
    public static Var transpose(Tape t, Var x) {
        if (x.rank() != 2) throw new IllegalArgumentException("transpose: needs a matrix, got " + x + " (use permute)");
        return permute(t, x, 1, 0);
    }

    /** Swaps dimensions {@code a} and {@code b} (negative = from the end). */
    public static Var transpose(Tape t, Var x, int a, int b) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        a = a < 0 ? a + perm.length : a;
        b = b < 0 ? b + perm.length : b;
        perm[a] = b;
        perm[b] = a;
        return permute(t, x, perm);
    }

    /** {@code [tokens, heads·dim] → [heads, tokens, dim]}: one contiguous matrix per head. */
    public static Var splitHeads(Tape t, Var x, int heads) {
        if (x.rank() != 2 || x.dim(1) % heads != 0) {
            throw new IllegalArgumentException("splitHeads: needs [tokens, heads*dim] with " + heads + " heads, got " + x);
        }
        return permute(t, reshape(t, x, x.dim(0), heads, x.dim(1) / heads), 1, 0, 2);
    }

    /** {@code [heads, tokens, dim] → [tokens, heads·dim]}, the inverse of {@link #splitHeads}. */
    public static Var mergeHeads(Tape t, Var x) {
        if (x.rank() != 3) throw new IllegalArgumentException("mergeHeads: needs [heads, tokens, dim], got " + x);
        Var p = permute(t, x, 1, 0, 2);
        return reshape(t, p, x.dim(1), x.dim(0) * x.dim(2));
    }

    /** Output dimension i is input dimension {@code perm[i]}. */
    public static Var permute(Tape t, Var x, int... perm) {
        int rank = x.rank();
        if (perm.length != rank) throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " for " + x);
        boolean[] seen = new boolean[rank];
        for (int p : perm) {
            if (p < 0 || p >= rank || seen[p]) throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " is not a permutation of " + rank + " dimensions");
            seen[p] = true;
        }
        int[] inShape = x.shape(), outShape = new int[rank];
        int[] inStrides = new int[rank];
        for (int i = rank - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= inShape[i]; }
        int[] srcStride = new int[rank]; // input stride of each output dimension
        for (int i = 0; i < rank; i++) { outShape[i] = inShape[perm[i]]; srcStride[i] = inStrides[perm[i]]; }
        float[] xd = x.data();
        float[] y = new float[xd.length];
        IndexMap map = new IndexMap(outShape, srcStride);
        map.forEachRow((outOff, inOff, len, step) -> {
            if (step == 1) System.arraycopy(xd, inOff, y, outOff, len);
            else for (int j = 0; j < len; j++) y[outOff + j] = xd[inOff + j * step];
        });
        Var out = t.output(y, outShape, x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            map.forEachRow((outOff, inOff, len, step) -> {
                if (step == 1) GradMath.addInto(dy, outOff, dx, inOff, len);
                else for (int j = 0; j < len; j++) dx[inOff + j * step] += dy[outOff + j];
            });
        }, x);
    }

    /** Elements {@code [start, end)} of dimension {@code dim}. */
    public static Var slice(Tape t, Var x, int dim, int start, int end) {
        int d = dim < 0 ? dim + x.rank() : dim;
        if (d < 0 || d >= x.rank()) throw new IllegalArgumentException("slice: no dimension " + dim + " in " + x);
        if (start < 0 || end > x.dim(d) || start > end) {
            throw new IllegalArgumentException("slice: [" + start + ", " + end + ") is outside dimension " + d + " of " + x);
        }
        int[] shape = x.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        int full = shape[d] * inner, part = (end - start) * inner, from = start * inner, outerF = outer;
        shape[d] = end - start;
        float[] xd = x.data();
        float[] y = new float[outer * part];
        Parallel.forRange(outerF, GradMath.rowGrain(part), (s, e) -> {
            for (int o = s; o < e; o++) System.arraycopy(xd, o * full + from, y, o * part, part);
        });
        Var out = t.output(y, shape, x);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dx = x.grad();
            Parallel.forRange(outerF, GradMath.rowGrain(part), (s, e) -> {
                for (int o = s; o < e; o++) GradMath.addInto(dy, o * part, dx, o * full + from, part);
            });
        }, x);
    }

    /** Joins values along {@code dim}; every other dimension must agree. */
    public static Var concat(Tape t, int dim, Var... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat: nothing to join");
        int rank = xs[0].rank();
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) throw new IllegalArgumentException("concat: no dimension " + dim + " in " + xs[0]);
        int[] shape = xs[0].shape();
        int total = 0;
        for (Var v : xs) {
            int[] s = v.shape();
            if (s.length != rank) throw new IllegalArgumentException("concat: ranks differ, " + xs[0] + " vs " + v);
            for (int i = 0; i < rank; i++) {
                if (i != d && s[i] != shape[i]) throw new IllegalArgumentException("concat: shapes " + xs[0] + " and " + v + " differ outside dimension " + d);
            }
            total += s[d];
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < rank; i++) inner *= shape[i];
        shape[d] = total;
        int full = total * inner, outerF = outer;
        int[] from = new int[xs.length];
        for (int i = 0, acc = 0; i < xs.length; i++) { from[i] = acc; acc += xs[i].dim(d) * inner; }
        float[] y = new float[outer * full];
        int innerF = inner;
        Parallel.forRange(outerF, GradMath.rowGrain(full), (s, e) -> {
            for (int o = s; o < e; o++) {
                for (int i = 0; i < xs.length; i++) {
                    int part = xs[i].dim(d) * innerF;
                    System.arraycopy(xs[i].data(), o * part, y, o * full + from[i], part);
                }
            }
        });
        Var out = t.output(y, shape, xs);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            for (int i = 0; i < xs.length; i++) {
                Var v = xs[i];
                if (!v.requiresGrad()) continue;
                int part = v.dim(d) * innerF, f = from[i];
                float[] dx = v.grad();
                Parallel.forRange(outerF, GradMath.rowGrain(part), (s, e) -> {
                    for (int o = s; o < e; o++) GradMath.addInto(dy, o * full + f, dx, o * part, part);
                });
            }
        }, xs);
    }

    /** Output rows (all dimensions but the last) mapped to input offsets by per-dimension strides. */
    private record IndexMap(int[] outShape, int[] srcStride) {
        interface Row { void run(int outOff, int inOff, int len, int step); }

        void forEachRow(Row body) {
            int rank = outShape.length;
            if (rank == 0) { body.run(0, 0, 1, 1); return; }
            int len = outShape[rank - 1], step = srcStride[rank - 1];
            int rows = 1;
            for (int i = 0; i < rank - 1; i++) rows *= outShape[i];
            if (len == 0) return;
            Parallel.forRange(rows, GradMath.rowGrain(len), (s, e) -> {
                for (int r = s; r < e; r++) {
                    int rem = r, in = 0;
                    for (int i = rank - 2; i >= 0; i--) {
                        in += (rem % outShape[i]) * srcStride[i];
                        rem /= outShape[i];
                    }
                    body.run(r * len, in, len, step);
                }
            });
        }
    }
}

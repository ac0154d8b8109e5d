package dev.jllm.tensor;

import dev.jllm.tensor.kernel.Activations;
import dev.jllm.tensor.kernel.Elementwise;
import dev.jllm.tensor.kernel.Embedding;
import dev.jllm.tensor.kernel.Gemm;
import dev.jllm.tensor.kernel.MatVec;
import dev.jllm.tensor.kernel.Norms;
import dev.jllm.tensor.kernel.PackedWeight;
import dev.jllm.tensor.kernel.QuantMatMul;
import dev.jllm.tensor.kernel.Reduce;
import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;
import dev.jllm.tensor.kernel.Softmax;

import java.util.Arrays;

/**
 * Tensor-level operations: shape-checked entry points over the kernels, each returning a
 * new contiguous heap F32 tensor (inputs are never modified).
 *
 * <p>Activations must be F32 (heap or segment, any strides); weights (norm scales, biases,
 * embedding tables, linear weights) may be any dtype their kernel reads. Mismatched shapes or
 * dtypes throw {@link IllegalArgumentException} naming both operands. There is no implicit
 * broadcasting, with one documented exception: {@link #add}, {@link #sub} and {@link #mul}
 * accept a rank-1 {@code [n]} right operand against a {@code [..., n]} left one (a bias or a
 * per-channel scale applied to every row). Normalizations, softmax and RoPE work on the last
 * dimension(s), as in PyTorch.
 */
public final class Ops {
    private Ops() {}

    // ---- normalization and softmax (last dimension) ------------------------------------

    /** HF-style RMSNorm over the last dimension; {@code weight} [n] or null. Gemma's (1+w): pass w+1. */
    public static Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        Rows r = rows("rmsNorm", x);
        float[] w = weight == null ? null : vector("rmsNorm", "weight", weight, r.n, x);
        Tensor out = Tensor.zeros(x.shape());
        if (r.count > 0) Norms.rmsNormRows(r.data, r.off, w, 0, out.heapArray(), 0, r.count, r.n, eps);
        return out;
    }

    /** torch.nn.LayerNorm over the last dimension; weight and bias [n], each optional. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        Rows r = rows("layerNorm", x);
        float[] w = weight == null ? null : vector("layerNorm", "weight", weight, r.n, x);
        float[] b = bias == null ? null : vector("layerNorm", "bias", bias, r.n, x);
        Tensor out = Tensor.zeros(x.shape());
        if (r.count > 0) Norms.layerNormRows(r.data, r.off, w, 0, b, 0, out.heapArray(), 0, r.count, r.n, eps);
        return out;
    }

    /** Softmax over the last dimension (an all -inf row gives zeros; see {@link Softmax}). */
    public static Tensor softmax(Tensor x) {
        Rows r = rows("softmax", x);
        Tensor out = Tensor.zeros(x.shape());
        if (r.count > 0) Softmax.softmaxRows(r.data, r.off, out.heapArray(), 0, r.count, r.n);
        return out;
    }

    public static Tensor logSoftmax(Tensor x) {
        Rows r = rows("logSoftmax", x);
        Tensor out = Tensor.zeros(x.shape());
        if (r.count > 0) Softmax.logSoftmaxRows(r.data, r.off, out.heapArray(), 0, r.count, r.n);
        return out;
    }

    // ---- activations -------------------------------------------------------------------

    public static Tensor silu(Tensor x) {
        Flat f = flat("silu", x);
        Tensor out = Tensor.zeros(x.shape());
        Activations.silu(f.data, f.off, out.heapArray(), 0, f.n);
        return out;
    }

    /** Exact (erf) GELU. */
    public static Tensor gelu(Tensor x) {
        Flat f = flat("gelu", x);
        Tensor out = Tensor.zeros(x.shape());
        Activations.gelu(f.data, f.off, out.heapArray(), 0, f.n);
        return out;
    }

    /** tanh-approximate GELU. */
    public static Tensor geluTanh(Tensor x) {
        Flat f = flat("geluTanh", x);
        Tensor out = Tensor.zeros(x.shape());
        Activations.geluTanh(f.data, f.off, out.heapArray(), 0, f.n);
        return out;
    }

    /** {@code silu(gate) * up}; both the same shape. */
    public static Tensor swiglu(Tensor gate, Tensor up) {
        sameShape("swiglu", gate, up);
        Flat g = flat("swiglu", gate), u = flat("swiglu", up);
        Tensor out = Tensor.zeros(gate.shape());
        Activations.swiglu(g.data, g.off, u.data, u.off, out.heapArray(), 0, g.n);
        return out;
    }

    /** {@code gelu(gate) * up} with the erf GELU, or the tanh one when {@code tanh}. */
    public static Tensor geglu(Tensor gate, Tensor up, boolean tanh) {
        sameShape("geglu", gate, up);
        Flat g = flat("geglu", gate), u = flat("geglu", up);
        Tensor out = Tensor.zeros(gate.shape());
        Activations.geglu(g.data, g.off, u.data, u.off, out.heapArray(), 0, g.n, tanh);
        return out;
    }

    // ---- elementwise -------------------------------------------------------------------

    private interface Binary {
        void apply(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);
    }

    /** {@code a + b}: same shapes, or b [n] added to every row of a [..., n]. */
    public static Tensor add(Tensor a, Tensor b) { return binary("add", a, b, Elementwise::add); }

    /** {@code a - b}: same shapes, or b [n] subtracted from every row of a [..., n]. */
    public static Tensor sub(Tensor a, Tensor b) { return binary("sub", a, b, Elementwise::sub); }

    /** {@code a * b}: same shapes, or b [n] multiplying every row of a [..., n]. */
    public static Tensor mul(Tensor a, Tensor b) { return binary("mul", a, b, Elementwise::mul); }

    public static Tensor scale(Tensor x, float alpha) {
        Flat f = flat("scale", x);
        Tensor out = Tensor.zeros(x.shape());
        Elementwise.scale(f.data, f.off, alpha, out.heapArray(), 0, f.n);
        return out;
    }

    private static Tensor binary(String op, Tensor a, Tensor b, Binary kernel) {
        requireF32(op, a, b);
        Tensor out = Tensor.zeros(a.shape());
        if (Arrays.equals(a.shape(), b.shape())) {
            Flat fa = flat(op, a), fb = flat(op, b);
            kernel.apply(fa.data, fa.off, fb.data, fb.off, out.heapArray(), 0, fa.n);
            return out;
        }
        if (b.rank() == 1 && a.rank() >= 1 && a.dim(-1) == b.dim(0)) {
            Rows r = rows(op, a);
            Flat fb = flat(op, b);
            for (int i = 0; i < r.count; i++) {
                kernel.apply(r.data, r.off + i * r.n, fb.data, fb.off, out.heapArray(), i * r.n, r.n);
            }
            return out;
        }
        throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a.shape()) + " and "
                + Arrays.toString(b.shape()) + " do not match (only equal shapes, or [..., n] with [n], are allowed)");
    }

    // ---- positions and lookups ---------------------------------------------------------

    /**
     * RoPE of {@code x} [tokens, heads, headDim], token t at {@code positions[t]}; the table's
     * rotary dimensions may be fewer than headDim (partial rotary).
     */
    public static Tensor rope(Tensor x, int[] positions, RopeFrequencies freqs, Rope.Pairing pairing) {
        if (x.rank() != 3) {
            throw new IllegalArgumentException("rope needs x [tokens, heads, headDim], got shape " + Arrays.toString(x.shape()));
        }
        requireF32("rope", x);
        int tokens = x.size(0), heads = x.size(1), headDim = x.size(2);
        if (positions.length != tokens) {
            throw new IllegalArgumentException("rope: " + positions.length + " positions for " + tokens + " tokens (x shape "
                    + Arrays.toString(x.shape()) + ")");
        }
        if (freqs.rotaryDims() > headDim) {
            throw new IllegalArgumentException("rope: table rotates " + freqs.rotaryDims() + " dimensions but x has headDim "
                    + headDim + " (shape " + Arrays.toString(x.shape()) + ")");
        }
        Tensor out = Tensor.of(x.toFloatArray(), x.shape());
        if (tokens > 0) Rope.applyRows(out.heapArray(), 0, heads * headDim, tokens, positions, 0, heads, headDim, freqs, pairing);
        return out;
    }

    /** Rows {@code ids} of {@code table} [vocab, dim] (any dtype), as [ids.length, dim]. */
    public static Tensor embedding(Tensor table, int... ids) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding table must be [vocab, dim], got shape " + Arrays.toString(table.shape()));
        }
        Tensor out = Tensor.zeros(ids.length, table.dim(1));
        Embedding.gather(table, ids, 0, ids.length, out.heapArray(), 0);
        return out;
    }

    /** Index of the largest element of a rank-1 tensor (lowest index on ties; NaN is an error). */
    public static int argmax(Tensor x) {
        Flat f = flat("argmax", vectorOnly("argmax", x));
        return Reduce.argmax(f.data, f.off, f.n);
    }

    /** The k largest elements of a rank-1 tensor, largest first (ties by lower index). */
    public static Reduce.TopK topK(Tensor x, int k) {
        Flat f = flat("topK", vectorOnly("topK", x));
        return Reduce.topK(f.data, f.off, f.n, k);
    }

    // ---- products ----------------------------------------------------------------------

    /**
     * {@code [m,k] x [k,n] -> [m,n]}, or batched {@code [B..,m,k] x [B..,k,n]} with identical
     * leading dimensions. F32 only; runs on {@link Gemm}.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        requireF32("matmul", a, b);
        if (a.rank() < 2 || a.rank() != b.rank() || a.dim(-1) != b.dim(-2)
                || !Arrays.equals(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2))) {
            throw new IllegalArgumentException("matmul needs [.., m, k] x [.., k, n] with equal leading dimensions, got "
                    + Arrays.toString(a.shape()) + " x " + Arrays.toString(b.shape()));
        }
        if (a.rank() == 2) return Gemm.matmul(a.isHeap() ? a : a.toF32(), b.isHeap() ? b : b.toF32());
        long[] shape = a.shape();
        shape[shape.length - 1] = b.dim(-1);
        int m = a.size(-2), n = b.size(-1);
        Tensor a3 = a.reshape(-1, m, a.dim(-1)), b3 = b.reshape(-1, b.dim(-2), n);
        Tensor out = Tensor.zeros(shape);
        float[] o = out.heapArray();
        for (int i = 0; i < a3.size(0); i++) {
            Tensor ai = a3.select(0, i), bi = b3.select(0, i);
            Tensor c = Gemm.matmul(ai.isHeap() ? ai : ai.toF32(), bi.isHeap() ? bi : bi.toF32());
            System.arraycopy(c.heapArray(), 0, o, i * m * n, m * n);
        }
        return out;
    }

    /** {@code x [.., k] . w^T} for a weight {@code w [n, k]} of any matvec dtype: {@code [.., n]}. */
    public static Tensor linear(Tensor x, Tensor w) { return linear(x, w, null); }

    /**
     * {@code x [.., k] . w^T + bias} for {@code w [n, k]} (F32, F16, BF16 or block-quantized,
     * heap or mapped) and an optional bias [n]. One token runs {@link MatVec}; several run
     * {@link Gemm} for heap F32 weights and {@link QuantMatMul} for every other weight.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        if (w.rank() != 2 || x.rank() < 1 || x.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException("linear needs x [.., k] and w [n, k], got x " + Arrays.toString(x.shape())
                    + " and w " + Arrays.toString(w.shape()));
        }
        Rows r = rows("linear", x);
        int n = w.size(0), k = r.n;
        float[] b = bias == null ? null : vector("linear", "bias", bias, n, w);
        long[] shape = x.shape();
        shape[shape.length - 1] = n;
        Tensor out = Tensor.zeros(shape);
        float[] y = out.heapArray();
        if (r.count == 0 || n == 0) return out;
        if (r.count == 1) {
            MatVec.matvec(w, r.data, r.off, y, 0);
        } else if (w.dtype() == DType.F32 && w.isHeap() && w.strides()[1] == 1) {
            long ldw = w.dim(0) > 1 ? w.strides()[0] : k;
            Gemm.sgemm(false, true, r.count, n, k, 1f, r.data, r.off, Math.max(1, k),
                    w.heapArray(), (int) w.offset(), (int) Math.max(1, ldw), 0f, y, 0, n);
        } else {
            QuantMatMul.matmul(w, r.data, r.off, r.count, y, 0);
        }
        if (b != null) {
            for (int i = 0; i < r.count; i++) Elementwise.add(y, i * n, b, 0, y, i * n, n);
        }
        return out;
    }

    /**
     * {@link #linear(Tensor, Tensor, Tensor)} with the weight packed ahead of time for GEMM
     * ({@link PackedWeight}: for constant weights run many times on few rows, e.g. encoders).
     * Same results bit for bit.
     */
    public static Tensor linear(Tensor x, PackedWeight w, Tensor bias) {
        Tensor wt = w.weight();
        if (x.rank() < 1 || x.dim(-1) != w.cols()) return linear(x, wt, bias); // its error message
        Rows r = rows("linear", x);
        if (r.count < 2) return linear(x, wt, bias);
        int n = w.rows();
        float[] b = bias == null ? null : vector("linear", "bias", bias, n, wt);
        long[] shape = x.shape();
        shape[shape.length - 1] = n;
        Tensor out = Tensor.zeros(shape);
        float[] y = out.heapArray();
        if (n == 0) return out;
        Gemm.sgemm(r.count, r.data, r.off, Math.max(1, r.n), w, y, 0, n);
        if (b != null) {
            for (int i = 0; i < r.count; i++) Elementwise.add(y, i * n, b, 0, y, i * n, n);
        }
        return out;
    }

    // ---- helpers -----------------------------------------------------------------------

    /** A tensor's elements as one contiguous float run: the heap array itself when possible, else a copy. */
    private record Flat(float[] data, int off, int n) {}

    /** The same, viewed as {@code count} rows of the last dimension {@code n}. */
    private record Rows(float[] data, int off, int count, int n) {}

    private static Flat flat(String op, Tensor t) {
        requireF32(op, t);
        long numel = t.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + numel + " elements do not fit a heap array (shape "
                    + Arrays.toString(t.shape()) + ")");
        }
        if (t.isHeap() && t.isContiguous()) return new Flat(t.heapArray(), (int) t.offset(), (int) numel);
        return new Flat(t.toFloatArray(), 0, (int) numel);
    }

    private static Rows rows(String op, Tensor t) {
        if (t.rank() < 1) throw new IllegalArgumentException(op + " needs at least one dimension, got a scalar");
        Flat f = flat(op, t);
        int n = t.size(-1);
        if (n == 0) throw new IllegalArgumentException(op + ": last dimension is empty (shape " + Arrays.toString(t.shape()) + ")");
        return new Rows(f.data, f.off, f.n / n, n);
    }

    /** A rank-1 parameter of length n (any floating dtype), as floats; mismatches name both shapes. */
    private static float[] vector(String op, String name, Tensor v, int n, Tensor other) {
        if (v.rank() != 1 || v.dim(0) != n) {
            throw new IllegalArgumentException(op + ": " + name + " must be [" + n + "] to match "
                    + Arrays.toString(other.shape()) + ", got " + Arrays.toString(v.shape()));
        }
        if (!v.dtype().isFloatingPoint() && !v.dtype().isQuantized()) {
            throw new IllegalArgumentException(op + ": " + name + " must be a floating-point tensor, got " + v.dtype());
        }
        return v.toFloatArray();
    }

    private static Tensor vectorOnly(String op, Tensor x) {
        if (x.rank() != 1) throw new IllegalArgumentException(op + " needs a rank-1 tensor, got shape " + Arrays.toString(x.shape()));
        return x;
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        requireF32(op, a, b);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " differ");
        }
    }

    private static void requireF32(String op, Tensor a) {
        if (a.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + " needs F32 activations, got " + a.dtype() + " " + Arrays.toString(a.shape())
                    + " (convert with toF32())");
        }
    }

    private static void requireF32(String op, Tensor a, Tensor b) {
        if (a.dtype() != DType.F32 || b.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + " needs F32 operands, got " + a.dtype() + " " + Arrays.toString(a.shape())
                    + " and " + b.dtype() + " " + Arrays.toString(b.shape()));
        }
    }
}

package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Gemm;

/**
 * Matrix products with their backward passes, all on {@link Gemm#sgemm}: the forward product
 * and both gradient products are single GEMM calls with transpose flags, accumulating into
 * the gradient buffers with {@code beta = 1} (no temporaries).
 */
public final class LinearOps {
    private LinearOps() {}

    /**
     * {@code y = x·Wᵀ + b}: a linear layer with weights stored {@code [out, in]} (PyTorch and
     * GGUF layout). {@code x} is {@code [..., in]}; every leading dimension is a row.
     *
     * @param bias {@code [out]} or null
     * @return {@code [..., out]}
     */
    public static Var linear(Tape t, Var x, Var weight, Var bias) {
        GradMath.requireRank("linear", "x", x, 1);
        if (weight.rank() != 2 || weight.dim(1) != x.dim(-1)) {
            throw new IllegalArgumentException("linear: weight must be [out, " + x.dim(-1) + "], got " + weight + " for x " + x);
        }
        int n = GradMath.rows(x), k = x.dim(-1), m = weight.dim(0);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != m)) {
            throw new IllegalArgumentException("linear: bias must be [" + m + "], got " + bias);
        }
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = m;
        float[] y = new float[n * m];
        float[] xd = x.data(), wd = weight.data();
        Gemm.sgemm(false, true, n, m, k, 1f, xd, 0, Math.max(1, k), wd, 0, Math.max(1, k), 0f, y, 0, Math.max(1, m));
        if (bias != null) {
            float[] b = bias.data();
            Parallel.forRange(n, GradMath.rowGrain(m), (s, e) -> {
                for (int r = s; r < e; r++) GradMath.addInto(b, 0, y, r * m, m);
            });
        }
        Var out = t.output(y, outShape, x, weight, bias);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad();
            if (x.requiresGrad()) { // dx += dy·W
                Gemm.sgemm(false, false, n, k, m, 1f, dy, 0, Math.max(1, m), wd, 0, Math.max(1, k), 1f, x.grad(), 0, Math.max(1, k));
            }
            if (weight.requiresGrad()) { // dW += dyᵀ·x
                Gemm.sgemm(true, false, m, k, n, 1f, dy, 0, Math.max(1, m), xd, 0, Math.max(1, k), 1f, weight.grad(), 0, Math.max(1, k));
            }
            if (bias != null && bias.requiresGrad()) GradMath.addColumnSums(dy, n, m, bias.grad());
        }, x, weight, bias);
    }

    /**
     * {@code C = op(A)·op(B)} with op = identity or transpose. A and B are rank 2, or rank 3
     * with a matching leading batch dimension (a rank-2 operand is then shared by every
     * batch entry, and its gradient sums over them).
     */
    public static Var matmul(Tape t, Var a, boolean transA, Var b, boolean transB) {
        if (a.rank() < 2 || a.rank() > 3 || b.rank() < 2 || b.rank() > 3) {
            throw new IllegalArgumentException("matmul: operands must be rank 2 or 3, got " + a + " and " + b);
        }
        int batchA = a.rank() == 3 ? a.dim(0) : 1, batchB = b.rank() == 3 ? b.dim(0) : 1;
        if (a.rank() == 3 && b.rank() == 3 && batchA != batchB) {
            throw new IllegalArgumentException("matmul: batch sizes differ, " + a + " vs " + b);
        }
        int batch = Math.max(batchA, batchB);
        int ar = a.dim(-2), ac = a.dim(-1), br = b.dim(-2), bc = b.dim(-1);
        int m = transA ? ac : ar, k = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ, op(A) " + m + "x" + k + " vs op(B) " + kb + "x" + n
                    + " (A " + a + (transA ? "ᵀ" : "") + ", B " + b + (transB ? "ᵀ" : "") + ")");
        }
        boolean batched = a.rank() == 3 || b.rank() == 3;
        int strideA = a.rank() == 3 ? ar * ac : 0, strideB = b.rank() == 3 ? br * bc : 0, strideC = m * n;
        int lda = Math.max(1, ac), ldb = Math.max(1, bc), ldc = Math.max(1, n);
        float[] c = new float[batch * m * n];
        float[] ad = a.data(), bd = b.data();
        for (int i = 0; i < batch; i++) {
            Gemm.sgemm(transA, transB, m, n, k, 1f, ad, i * strideA, lda, bd, i * strideB, ldb, 0f, c, i * strideC, ldc);
        }
        Var out = t.output(c, batched ? new int[] {batch, m, n} : new int[] {m, n}, a, b);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dc = out.grad();
            for (int i = 0; i < batch; i++) {
                int ao = i * strideA, bo = i * strideB, co = i * strideC;
                if (a.requiresGrad()) {
                    // dop(A) = dC·op(B)ᵀ; stored A is op(A) or its transpose
                    float[] ga = a.grad();
                    if (!transA) {
                        Gemm.sgemm(false, !transB, m, k, n, 1f, dc, co, ldc, bd, bo, ldb, 1f, ga, ao, lda);
                    } else { // dA (k x m) = op(B)·dCᵀ
                        Gemm.sgemm(transB, true, k, m, n, 1f, bd, bo, ldb, dc, co, ldc, 1f, ga, ao, lda);
                    }
                }
                if (b.requiresGrad()) {
                    float[] gb = b.grad();
                    if (!transB) { // dB (k x n) = op(A)ᵀ·dC
                        Gemm.sgemm(!transA, false, k, n, m, 1f, ad, ao, lda, dc, co, ldc, 1f, gb, bo, ldb);
                    } else { // dB (n x k) = dCᵀ·op(A)
                        Gemm.sgemm(true, transA, n, k, m, 1f, dc, co, ldc, ad, ao, lda, 1f, gb, bo, ldb);
                    }
                }
            }
        }, a, b);
    }

    /** {@code C = A·B}. */
    public static Var matmul(Tape t, Var a, Var b) { return matmul(t, a, false, b, false); }
}

package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Simd;

/**
 * Embedding lookup: rows of a {@code [vocab, dim]} table gathered by token id. The backward
 * pass scatter-adds each output row's gradient into the table row it came from; it runs
 * parallel over column blocks, so repeated ids never race and sums keep token order.
 */
public final class EmbeddingOp {
    private EmbeddingOp() {}

    /**
     * @param ids   token ids, each in {@code [0, vocab)}
     * @param shape the leading shape of the result (its product must be {@code ids.length}); empty = {@code [ids.length]}
     * @return {@code [...shape, dim]}
     */
    public static Var lookup(Tape t, Var table, int[] ids, int... shape) {
        if (table.rank() != 2) throw new IllegalArgumentException("embedding: table must be [vocab, dim], got " + table);
        int vocab = table.dim(0), dim = table.dim(1);
        int[] lead = shape.length == 0 ? new int[] {ids.length} : shape;
        if (Var.numel(lead) != ids.length) {
            throw new IllegalArgumentException("embedding: shape " + GradMath.shape(lead) + " does not hold " + ids.length + " ids");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("embedding: token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int n = ids.length;
        int[] idsCopy = ids.clone(); // the caller may reuse its array before backward runs
        float[] w = table.data();
        float[] y = new float[n * dim];
        Parallel.forRange(n, GradMath.rowGrain(dim), (s, e) -> {
            for (int r = s; r < e; r++) System.arraycopy(w, idsCopy[r] * dim, y, r * dim, dim);
        });
        int[] outShape = java.util.Arrays.copyOf(lead, lead.length + 1);
        outShape[lead.length] = dim;
        Var out = t.output(y, outShape, table);
        return t.record(out, () -> {
            if (!out.hasGrad()) return;
            float[] dy = out.grad(), dw = table.grad();
            int grain = Math.max(Simd.LANES, GradMath.GRAIN_ELEMENTS / Math.max(1, n));
            Parallel.forRange(dim, grain, (s, e) -> {
                for (int r = 0; r < n; r++) GradMath.addInto(dy, r * dim + s, dw, idsCopy[r] * dim + s, e - s);
            });
        }, table);
    }
}

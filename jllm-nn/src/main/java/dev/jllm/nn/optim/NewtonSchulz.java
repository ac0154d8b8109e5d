package dev.jllm.nn.optim;

import dev.jllm.tensor.kernel.Gemm;

/**
 * Approximate orthogonalization (the "zeroth power" U·Vᵀ of G = U·S·Vᵀ) by Keller Jordan's
 * quintic Newton–Schulz iteration, in float32: X = G/(‖G‖_F + 1e-7), then
 * {@code A = X·Xᵀ, B = b·A + c·A·A, X = a·X + B·X} with (a,b,c) = (3.4445, -4.7750, 2.0315).
 * The iteration runs on the wide orientation (rows ≤ cols) so A is the small Gram matrix.
 * The coefficients push singular values into roughly [0.7, 1.2] in five steps rather than
 * converging exactly to 1, which is what Muon wants.
 */
final class NewtonSchulz {
    static final float A = 3.4445f, B = -4.7750f, C = 2.0315f;

    private final int rows, cols, r, c;
    private final float[] x, next, gram, poly;

    /** Workspace for orthogonalizing {@code rows × cols} matrices. */
    NewtonSchulz(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        r = Math.min(rows, cols);
        c = Math.max(rows, cols);
        x = new float[r * c];
        next = new float[r * c];
        gram = new float[r * r];
        poly = new float[r * r];
    }

    /** Orthogonalizes the row-major {@code rows × cols} matrix {@code g} into {@code out} (may alias). */
    void apply(float[] g, float[] out, int steps) {
        boolean transpose = rows > cols;
        if (transpose) {
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) x[j * rows + i] = g[i * cols + j];
        } else {
            System.arraycopy(g, 0, x, 0, r * c);
        }
        float denom = (float) Math.sqrt(Reductions.sumOfSquares(x)) + 1e-7f;
        for (int i = 0; i < x.length; i++) x[i] /= denom;
        float[] cur = x, nxt = next;
        for (int s = 0; s < steps; s++) {
            Gemm.sgemm(false, true, r, r, c, 1f, cur, 0, c, cur, 0, c, 0f, gram, 0, r);
            for (int i = 0; i < gram.length; i++) poly[i] = B * gram[i];
            Gemm.sgemm(false, false, r, r, r, C, gram, 0, r, gram, 0, r, 1f, poly, 0, r);
            for (int i = 0; i < cur.length; i++) nxt[i] = A * cur[i];
            Gemm.sgemm(false, false, r, c, r, 1f, poly, 0, r, cur, 0, c, 1f, nxt, 0, c);
            float[] t = cur;
            cur = nxt;
            nxt = t;
        }
        if (transpose) {
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[i * cols + j] = cur[j * rows + i];
        } else {
            System.arraycopy(cur, 0, out, 0, r * c);
        }
    }
}

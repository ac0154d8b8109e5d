package dev.jllm.nn.autograd;

import dev.jllm.nn.TrainableLM;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Gemm;
import dev.jllm.tensor.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import static dev.jllm.nn.autograd.GradMath.F;

/**
 * Next-token cross-entropy, fused with the output projection so the {@code [tokens, vocab]}
 * logits never exist at once.
 *
 * <p>Only rows whose target is not the ignore index are computed at all: they are gathered
 * {@code rowChunk} at a time, their logits made {@code vocabChunk} columns at a time by one
 * GEMM into a reused buffer, and a running (max, sum of exp) per row gives each row's
 * log-sum-exp {@code lse}. The forward pass keeps only {@code lse} per row. The backward pass
 * makes each logits block again and turns it in place into its gradient
 * {@code (p·(1 + 2z·lse) − onehot)·seed/N}, with {@code p = exp(logit − lse)}, then two GEMMs
 * add {@code dH += dL·W} and {@code dW += dLᵀ·H}: four GEMMs of {@code N·V·d} per step.
 *
 * <p>With {@link Options#gradInForward} the forward pass, when a gradient is wanted, makes the
 * gradient right away (whole vocabulary rows, so {@code lse} is known before the gradient),
 * keeps unit-seed gradients for the hidden states and the weight, and the backward pass only
 * scales and adds them: three GEMMs instead of four, for one extra weight-sized buffer
 * (the trade Liger-Kernel's fused linear cross-entropy makes).
 *
 * <p>The loss is the mean over counted tokens of {@code lse − logit[target]} plus, when
 * {@code zLoss > 0}, {@code zLoss·lse²} (PaLM's z-loss, which keeps the normalizer near 1).
 * With label smoothing ε the cross-entropy term is taken against {@code (1 − ε)·onehot + ε/V}
 * (as PyTorch's {@code label_smoothing}): {@code (1 − ε)(lse − logit[target]) + ε(lse − mean logit)}.
 * With no counted token the loss is 0 and no gradient flows (PyTorch would return NaN).
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** Most floats the logits buffer of one chunk may hold when the vocabulary is not split explicitly. */
    private static final int BUFFER_FLOATS = 4 << 20;

    /**
     * @param rowChunk      counted rows per GEMM block
     * @param vocabChunk    logits columns per GEMM block; 0 = whole rows when they fit a 16 MB buffer
     * @param zLoss         coefficient of the z-loss term ({@code 0} = off; PaLM used 1e-4)
     * @param ignoreIndex   target value that is not counted
     * @param gradInForward compute gradients during the forward pass (fewer GEMMs, one weight-sized buffer more)
     * @param labelSmoothing ε in {@code [0, 1]}: the share of the target mass spread evenly over the vocabulary
     */
    public record Options(int rowChunk, int vocabChunk, float zLoss, int ignoreIndex, boolean gradInForward,
                          float labelSmoothing) {
        public Options {
            if (rowChunk <= 0) throw new IllegalArgumentException("rowChunk must be positive, got " + rowChunk);
            if (vocabChunk < 0) throw new IllegalArgumentException("vocabChunk must be >= 0, got " + vocabChunk);
            if (!(zLoss >= 0)) throw new IllegalArgumentException("zLoss must be >= 0, got " + zLoss);
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
                throw new IllegalArgumentException("labelSmoothing must be in [0, 1], got " + labelSmoothing);
            }
        }

        public static Options defaults() { return new Options(256, 0, 0f, TrainableLM.IGNORE, false, 0f); }

        public Options withZLoss(float coef) { return new Options(rowChunk, vocabChunk, coef, ignoreIndex, gradInForward, labelSmoothing); }

        public Options withChunks(int rows, int vocab) { return new Options(rows, vocab, zLoss, ignoreIndex, gradInForward, labelSmoothing); }

        public Options withGradInForward(boolean on) { return new Options(rowChunk, vocabChunk, zLoss, ignoreIndex, on, labelSmoothing); }

        public Options withIgnoreIndex(int index) { return new Options(rowChunk, vocabChunk, zLoss, index, gradInForward, labelSmoothing); }

        public Options withLabelSmoothing(float eps) { return new Options(rowChunk, vocabChunk, zLoss, ignoreIndex, gradInForward, eps); }
    }

    /**
     * The scalar loss and its parts.
     *
     * @param loss         mean over counted tokens of the (label-smoothed) cross-entropy plus z-loss: what backward differentiates
     * @param crossEntropy mean plain cross-entropy {@code lse − logit[target]} (no smoothing, no z-loss: perplexity's log)
     * @param zLoss        mean z-loss term alone (already times its coefficient)
     * @param tokens       counted tokens (targets other than the ignore index)
     */
    public record Result(Var loss, double crossEntropy, double zLoss, long tokens) {}

    /** {@link #linear(Tape, Var, Var, int[], Options)} with default chunks and no z-loss. */
    public static Result linear(Tape t, Var hidden, Var weight, int[] targets) {
        return linear(t, hidden, weight, targets, Options.defaults());
    }

    /**
     * Cross-entropy of {@code logits = hidden·weightᵀ} against {@code targets}.
     *
     * @param hidden  {@code [..., d]}, one row per target
     * @param weight  {@code [vocab, d]} (the output projection / tied embedding)
     * @param targets one per row, in {@code [0, vocab)} or the ignore index
     */
    public static Result linear(Tape t, Var hidden, Var weight, int[] targets, Options o) {
        GradMath.requireRank("crossEntropy", "hidden", hidden, 1);
        if (weight.rank() != 2 || weight.dim(1) != hidden.dim(-1)) {
            throw new IllegalArgumentException("crossEntropy: weight must be [vocab, " + hidden.dim(-1) + "], got " + weight);
        }
        int d = hidden.dim(-1), vocab = weight.dim(0);
        int[] rows = countedRows(targets, GradMath.rows(hidden), vocab, o.ignoreIndex());
        Fused f = new Fused(hidden.data(), weight.data(), d, vocab, targets, rows, o);
        boolean wantGrad = t.needsGrad(hidden, weight);
        boolean eager = wantGrad && o.gradInForward();
        float[] unitDh = eager && hidden.requiresGrad() ? new float[hidden.numel()] : null;
        float[] unitDw = eager && weight.requiresGrad() ? new float[weight.numel()] : null;
        double[] parts = eager ? f.forwardWithGrad(unitDh, unitDw) : f.forward();
        Var out = t.output(new float[] {(float) objective(parts, o)}, new int[0], hidden, weight);
        t.record(out, () -> {
            if (!out.hasGrad() || rows.length == 0) return;
            float seed = out.grad()[0];
            if (eager) {
                if (unitDh != null) GradMath.addScaledInto(seed, unitDh, 0, hidden.grad(), 0, unitDh.length);
                if (unitDw != null) GradMath.addScaledInto(seed, unitDw, 0, weight.grad(), 0, unitDw.length);
            } else {
                float[] rowScale = new float[rows.length];
                java.util.Arrays.fill(rowScale, seed / rows.length);
                f.backward(rowScale, hidden.requiresGrad() ? hidden.grad() : null, weight.requiresGrad() ? weight.grad() : null);
            }
        }, hidden, weight);
        return new Result(out, parts[0], parts[1], rows.length);
    }

    /**
     * {@code log p(target)} of each row under {@code softmax(hidden·weightᵀ)}, fused and chunked
     * as {@link #linear(Tape, Var, Var, int[], Options)}: shape {@code [rows]}, 0 at rows whose
     * target is the ignore index. The backward pass takes any per-row upstream gradient, which is
     * what sequence-level objectives need (DPO and GRPO weigh token log-probabilities). The z-loss,
     * label smoothing and {@code gradInForward} options do not apply.
     */
    public static Var tokenLogProbs(Tape t, Var hidden, Var weight, int[] targets, Options o) {
        GradMath.requireRank("tokenLogProbs", "hidden", hidden, 1);
        if (weight.rank() != 2 || weight.dim(1) != hidden.dim(-1)) {
            throw new IllegalArgumentException("tokenLogProbs: weight must be [vocab, " + hidden.dim(-1) + "], got " + weight);
        }
        int d = hidden.dim(-1), vocab = weight.dim(0), n = GradMath.rows(hidden);
        int[] rows = countedRows(targets, n, vocab, o.ignoreIndex());
        Fused f = new Fused(hidden.data(), weight.data(), d, vocab, targets, rows, o.withZLoss(0f).withLabelSmoothing(0f));
        f.forward();
        float[] lp = new float[n];
        for (int i = 0; i < rows.length; i++) lp[rows[i]] = f.targetLogit[i] - f.lse[i];
        Var out = t.output(lp, new int[] {n}, hidden, weight);
        return t.record(out, () -> {
            if (!out.hasGrad() || rows.length == 0) return;
            float[] g = out.grad(), rowScale = new float[rows.length];
            for (int i = 0; i < rows.length; i++) rowScale[i] = -g[rows[i]]; // d log p / d logits = onehot − p
            f.backward(rowScale, hidden.requiresGrad() ? hidden.grad() : null, weight.requiresGrad() ? weight.grad() : null);
        }, hidden, weight);
    }

    /** Cross-entropy of given {@code logits [..., vocab]} (classifier heads, small vocabularies). */
    public static Result logits(Tape t, Var logits, int[] targets, Options o) {
        GradMath.requireRank("crossEntropy", "logits", logits, 1);
        int vocab = logits.dim(-1);
        int[] rows = countedRows(targets, GradMath.rows(logits), vocab, o.ignoreIndex());
        float[] x = logits.data();
        float[] lse = new float[rows.length];
        double[] ce = new double[rows.length], z = new double[rows.length], sm = new double[rows.length];
        Parallel.forRange(rows.length, GradMath.rowGrain(vocab), (s, e) -> {
            for (int i = s; i < e; i++) {
                int off = rows[i] * vocab;
                float m = maxOf(x, off, vocab);
                float l = m + (float) Math.log(sumExp(x, off, vocab, m));
                lse[i] = l;
                ce[i] = (double) l - x[off + targets[rows[i]]];
                z[i] = (double) o.zLoss() * l * l;
                sm[i] = l - sumOf(x, off, vocab) / vocab;
            }
        });
        double[] parts = means(ce, z, sm);
        float eps = o.labelSmoothing();
        Var out = t.output(new float[] {(float) objective(parts, o)}, new int[0], logits);
        t.record(out, () -> {
            if (!out.hasGrad() || rows.length == 0) return;
            float scale = out.grad()[0] / rows.length;
            float[] dx = logits.grad();
            Parallel.forRange(rows.length, GradMath.rowGrain(vocab), (s, e) -> {
                for (int i = s; i < e; i++) {
                    int off = rows[i] * vocab;
                    addSoftmaxGrad(x, off, vocab, lse[i], scale * (1f + 2f * o.zLoss() * lse[i]), scale * eps / vocab, dx, off);
                    dx[off + targets[rows[i]]] -= scale * (1f - eps);
                }
            });
        }, logits);
        return new Result(out, parts[0], parts[1], rows.length);
    }

    /** Indices of rows with a counted target; every other target must be a valid id. */
    private static int[] countedRows(int[] targets, int n, int vocab, int ignore) {
        if (targets.length != n) {
            throw new IllegalArgumentException("crossEntropy: " + targets.length + " targets for " + n + " rows");
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            int tg = targets[i];
            if (tg == ignore) continue;
            if (tg < 0 || tg >= vocab) {
                throw new IllegalArgumentException("crossEntropy: target " + tg + " at row " + i + " is outside [0, " + vocab
                        + ") and is not the ignore index " + ignore);
            }
            count++;
        }
        int[] rows = new int[count];
        for (int i = 0, c = 0; i < n; i++) if (targets[i] != ignore) rows[c++] = i;
        return rows;
    }

    /** {mean CE, mean z-loss, mean smoothing term}; zeros with no counted row. */
    private static double[] means(double[] ce, double[] z, double[] sm) {
        if (ce.length == 0) return new double[] {0, 0, 0};
        double a = 0, b = 0, c = 0;
        for (int i = 0; i < ce.length; i++) { a += ce[i]; b += z[i]; c += sm[i]; }
        return new double[] {a / ce.length, b / ce.length, c / ce.length};
    }

    /** The differentiated loss from {@link #means}: (1 − ε)·CE + ε·smoothing term + z-loss. */
    private static double objective(double[] parts, Options o) {
        double eps = o.labelSmoothing();
        return (1 - eps) * parts[0] + eps * parts[2] + parts[1];
    }

    /** The chunked GEMM passes over one call's counted rows. */
    private static final class Fused {
        final float[] h, w;
        final int d, vocab, rowChunk, vocabChunk;
        final int[] targets, rows;
        final float zLoss, smoothing;
        final float[] lse, targetLogit;

        Fused(float[] h, float[] w, int d, int vocab, int[] targets, int[] rows, Options o) {
            this.h = h;
            this.w = w;
            this.d = d;
            this.vocab = vocab;
            this.targets = targets;
            this.rows = rows;
            this.zLoss = o.zLoss();
            this.smoothing = o.labelSmoothing();
            this.rowChunk = Math.max(1, Math.min(o.rowChunk(), rows.length));
            int vc = o.vocabChunk() > 0 ? o.vocabChunk() : Math.max(1, BUFFER_FLOATS / rowChunk);
            this.vocabChunk = Math.min(vc, vocab);
            this.lse = new float[rows.length];
            this.targetLogit = new float[rows.length];
        }

        /** Per-row lse by online (max, sum) over vocabulary chunks; returns {mean CE, mean z-loss}. */
        double[] forward() {
            int n = rows.length;
            float[] hb = new float[rowChunk * d], logits = new float[rowChunk * vocabChunk];
            float[] max = new float[rowChunk], sum = new float[rowChunk], tgt = new float[rowChunk];
            double[] rowSum = new double[rowChunk];
            double[] ce = new double[n], z = new double[n], sm = new double[n];
            for (int r0 = 0; r0 < n; r0 += rowChunk) {
                int rc = Math.min(rowChunk, n - r0), base = r0;
                gather(base, rc, hb);
                java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
                java.util.Arrays.fill(sum, 0f);
                java.util.Arrays.fill(rowSum, 0);
                for (int v0 = 0; v0 < vocab; v0 += vocabChunk) {
                    int vc = Math.min(vocabChunk, vocab - v0), from = v0;
                    logitsBlock(hb, rc, from, vc, logits);
                    Parallel.forRange(rc, GradMath.rowGrain(vc), (s, e) -> {
                        for (int i = s; i < e; i++) {
                            int off = i * vc;
                            float m = Math.max(max[i], maxOf(logits, off, vc));
                            sum[i] = sum[i] * (float) Math.exp(max[i] - m) + (float) sumExp(logits, off, vc, m);
                            max[i] = m;
                            if (smoothing > 0) rowSum[i] += sumOf(logits, off, vc);
                            int tg = targets[rows[base + i]] - from;
                            if (tg >= 0 && tg < vc) tgt[i] = logits[off + tg];
                        }
                    });
                }
                for (int i = 0; i < rc; i++) {
                    float l = max[i] + (float) Math.log(sum[i]);
                    lse[base + i] = l;
                    targetLogit[base + i] = tgt[i];
                    ce[base + i] = (double) l - tgt[i];
                    z[base + i] = (double) zLoss * l * l;
                    sm[base + i] = l - rowSum[i] / vocab;
                }
            }
            return means(ce, z, sm);
        }

        /**
         * Recomputes each logits block and adds the gradients into dh and dw (either may be
         * null); counted row i's loss term is weighted by {@code rowScale[i]}.
         */
        void backward(float[] rowScale, float[] dh, float[] dw) {
            int n = rows.length;
            float[] hb = new float[rowChunk * d], block = new float[rowChunk * vocabChunk];
            float[] dhb = dh == null ? null : new float[rowChunk * d];
            for (int r0 = 0; r0 < n; r0 += rowChunk) {
                int rc = Math.min(rowChunk, n - r0), base = r0;
                gather(base, rc, hb);
                if (dhb != null) java.util.Arrays.fill(dhb, 0, rc * d, 0f);
                for (int v0 = 0; v0 < vocab; v0 += vocabChunk) {
                    int vc = Math.min(vocabChunk, vocab - v0);
                    logitsBlock(hb, rc, v0, vc, block);
                    toGradient(block, base, rc, v0, vc, rowScale, 0f);
                    accumulate(block, hb, rc, v0, vc, dhb, dw);
                }
                if (dhb != null) scatter(dhb, base, rc, dh);
            }
        }

        /**
         * One pass with whole vocabulary rows: lse, loss, and the unit-seed gradients
         * (into dh and dw, either may be null). Returns {mean CE, mean z-loss}.
         */
        double[] forwardWithGrad(float[] dh, float[] dw) {
            int n = rows.length;
            if (n == 0) return new double[] {0, 0};
            float scale = 1f / n;
            int rcMax = Math.max(1, Math.min(rowChunk, BUFFER_FLOATS / vocab));
            float[] hb = new float[rcMax * d], block = new float[rcMax * vocab];
            float[] dhb = dh == null ? null : new float[rcMax * d];
            double[] ce = new double[n], z = new double[n], sm = new double[n];
            for (int r0 = 0; r0 < n; r0 += rcMax) {
                int rc = Math.min(rcMax, n - r0), base = r0;
                gather(base, rc, hb);
                logitsBlock(hb, rc, 0, vocab, block);
                Parallel.forRange(rc, GradMath.rowGrain(vocab), (s, e) -> {
                    for (int i = s; i < e; i++) {
                        int off = i * vocab;
                        float m = maxOf(block, off, vocab);
                        float l = m + (float) Math.log(sumExp(block, off, vocab, m));
                        lse[base + i] = l;
                        targetLogit[base + i] = block[off + targets[rows[base + i]]];
                        ce[base + i] = (double) l - targetLogit[base + i];
                        z[base + i] = (double) zLoss * l * l;
                        sm[base + i] = smoothing > 0 ? l - sumOf(block, off, vocab) / vocab : 0;
                    }
                });
                toGradient(block, base, rc, 0, vocab, null, scale);
                if (dhb != null) java.util.Arrays.fill(dhb, 0, rc * d, 0f);
                accumulate(block, hb, rc, 0, vocab, dhb, dw);
                if (dhb != null) scatter(dhb, base, rc, dh);
            }
            return means(ce, z, sm);
        }

        /** hb[i] = h[rows[base + i]] for i < rc. */
        private void gather(int base, int rc, float[] hb) {
            Parallel.forRange(rc, GradMath.rowGrain(d), (s, e) -> {
                for (int i = s; i < e; i++) System.arraycopy(h, rows[base + i] * d, hb, i * d, d);
            });
        }

        /** dh[rows[base + i]] += dhb[i]. */
        private void scatter(float[] dhb, int base, int rc, float[] dh) {
            Parallel.forRange(rc, GradMath.rowGrain(d), (s, e) -> {
                for (int i = s; i < e; i++) GradMath.addInto(dhb, i * d, dh, rows[base + i] * d, d);
            });
        }

        /** out[rc, vc] = hb[rc, d] · W[v0 : v0+vc, d]ᵀ. */
        private void logitsBlock(float[] hb, int rc, int v0, int vc, float[] out) {
            Gemm.sgemm(false, true, rc, vc, d, 1f, hb, 0, d, w, v0 * d, d, 0f, out, 0, vc);
        }

        /**
         * Turns a logits block into its gradient in place: s·(p·(1 + 2z·lse) − onehot), with
         * s = rowScale[row] (or {@code uniform} when rowScale is null).
         */
        private void toGradient(float[] block, int base, int rc, int v0, int vc, float[] rowScale, float uniform) {
            Parallel.forRange(rc, GradMath.rowGrain(vc), (s, e) -> {
                for (int i = s; i < e; i++) {
                    int off = i * vc;
                    float l = lse[base + i], scale = rowScale == null ? uniform : rowScale[base + i];
                    softmaxGradInPlace(block, off, vc, l, scale * (1f + 2f * zLoss * l), scale * smoothing / vocab);
                    int tg = targets[rows[base + i]] - v0;
                    if (tg >= 0 && tg < vc) block[off + tg] -= scale * (1f - smoothing);
                }
            });
        }

        /** dhb += G·W[v0..], dw[v0..] += Gᵀ·hb for a gradient block G [rc, vc]. */
        private void accumulate(float[] g, float[] hb, int rc, int v0, int vc, float[] dhb, float[] dw) {
            if (dhb != null) Gemm.sgemm(false, false, rc, d, vc, 1f, g, 0, vc, w, v0 * d, d, 1f, dhb, 0, d);
            if (dw != null) Gemm.sgemm(true, false, vc, d, rc, 1f, g, 0, vc, hb, 0, d, 1f, dw, v0 * d, d);
        }
    }

    // ---- row kernels --------------------------------------------------------------------

    static float maxOf(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) acc = acc.max(FloatVector.fromArray(F, x, off + i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    static double sumExp(float[] x, int off, int n, float max) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                acc = acc.add(FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP));
            }
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) total += Math.exp(x[off + i] - max);
        return total;
    }

    /** x[j] = coef · exp(x[j] − lse) − shift over one row. */
    private static void softmaxGradInPlace(float[] x, int off, int n, float lse, float coef, float shift) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, x, off + i).sub(lse).lanewise(VectorOperators.EXP).mul(coef).sub(shift).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) x[off + i] = coef * (float) Math.exp(x[off + i] - lse) - shift;
    }

    /** dx[j] += coef · exp(x[j] − lse) − shift over one row. */
    private static void addSoftmaxGrad(float[] x, int off, int n, float lse, float coef, float shift, float[] dx, int dOff) {
        int i = 0;
        if (!Simd.SCALAR) {
            for (int bound = F.loopBound(n); i < bound; i += F.length()) {
                FloatVector.fromArray(F, x, off + i).sub(lse).lanewise(VectorOperators.EXP)
                        .fma(FloatVector.broadcast(F, coef), FloatVector.fromArray(F, dx, dOff + i)).sub(shift).intoArray(dx, dOff + i);
            }
        }
        for (; i < n; i++) dx[dOff + i] += coef * (float) Math.exp(x[off + i] - lse) - shift;
    }

    static double sumOf(float[] x, int off, int n) {
        int i = 0;
        double total = 0;
        if (!Simd.SCALAR) {
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, off + i));
            total = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) total += x[off + i];
        return total;
    }
}

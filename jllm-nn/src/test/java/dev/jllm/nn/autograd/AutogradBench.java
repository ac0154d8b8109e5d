package dev.jllm.nn.autograd;

import dev.jllm.tensor.Parallel;

import java.util.Random;

/**
 * Forward + backward time of the hot training ops, with the shapes of
 * tools/autograd/bench_ops_torch.py (run both with the same thread count). Not a test: run its
 * main with {@code -Djllm.threads=2} (see docs/autograd.md).
 */
public final class AutogradBench {
    private AutogradBench() {}

    static final int N = 2048, D = 512, H = 1408, V = 8192;

    interface Step { void run(); }

    static void bench(String name, Step step) {
        step.run(); // warm-up (JIT)
        step.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            step.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        System.out.printf("%-28s %9.2f ms%n", name, best);
    }

    static float[] randn(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
        return v;
    }

    static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    public static void main(String[] args) {
        Random r = new Random(0);
        Var x = Var.of(randn(r, N * D, 1), N, D);
        Var w = Var.of(randn(r, H * D, 0.02), H, D);
        Var g = Var.of(randn(r, N * H, 1), N, H), u = Var.of(randn(r, N * H, 1), N, H);
        Var nw = Var.of(ones(D), D);
        Var head = Var.of(randn(r, V * D, 0.02), V, D);
        Var table = Var.of(randn(r, V * D, 0.02), V, D);
        int[] targets = new int[N];
        for (int i = 0; i < N; i++) targets[i] = r.nextInt(V);
        float[] onesNH = ones(N * H), onesND = ones(N * D);
        System.out.printf("jllm autograd, %d threads, N=%d D=%d H=%d V=%d%n", Parallel.threads(), N, D, H, V);
        bench("linear [N,D]x[H,D]^T", () -> {
            Tape t = new Tape();
            t.backward(LinearOps.linear(t, x, w, null), onesNH);
        });
        bench("swiglu [N,H]", () -> {
            Tape t = new Tape();
            t.backward(ActivationOps.swiglu(t, g, u), onesNH);
        });
        bench("rmsNorm [N,D]", () -> {
            Tape t = new Tape();
            t.backward(NormOps.rmsNorm(t, x, nw, 1e-5f), onesND);
        });
        bench("cross-entropy head V", () -> {
            Tape t = new Tape();
            t.backward(CrossEntropy.linear(t, x, head, targets).loss(), 1f);
        });
        bench("cross-entropy gradInForward", () -> {
            Tape t = new Tape();
            t.backward(CrossEntropy.linear(t, x, head, targets, CrossEntropy.Options.defaults().withGradInForward(true)).loss(), 1f);
        });
        bench("embedding [V,D]", () -> {
            Tape t = new Tape();
            t.backward(EmbeddingOp.lookup(t, table, targets), onesND);
        });
    }
}

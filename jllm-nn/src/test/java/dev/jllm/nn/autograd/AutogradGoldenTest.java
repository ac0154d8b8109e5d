package dev.jllm.nn.autograd;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Forward values and gradients of every op against PyTorch (torch autograd in float64 on the
 * same float32 inputs), from tools/autograd/make_autograd_goldens.py. Each case seeds the
 * output gradient with the script's random {@code c} (the gradient of {@code sum(c·out)}), and
 * every array must agree within 1e-5 of its largest entry.
 */
class AutogradGoldenTest {
    private static final double TOL = 1e-5;
    private static Map<String, String[]> golden;

    @BeforeAll
    static void load() throws IOException {
        golden = new HashMap<>();
        try (InputStream s = AutogradGoldenTest.class.getResourceAsStream("/autograd/ops_golden.txt")) {
            if (s == null) throw new IOException("missing resource autograd/ops_golden.txt (run tools/autograd/make_autograd_goldens.py)");
            BufferedReader in = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] p = line.trim().split(" ");
                golden.put(p[0], java.util.Arrays.copyOfRange(p, 1, p.length));
            }
        }
    }

    private static String[] row(String name) {
        String[] r = golden.get(name);
        if (r == null) throw new AssertionError("golden file lacks " + name);
        return r;
    }

    static float[] floats(String name) {
        String[] r = row(name);
        float[] x = new float[r.length];
        for (int i = 0; i < r.length; i++) x[i] = Float.parseFloat(r[i]);
        return x;
    }

    static int[] ints(String name) {
        String[] r = row(name);
        int[] x = new int[r.length];
        for (int i = 0; i < r.length; i++) x[i] = Integer.parseInt(r[i]);
        return x;
    }

    static void assertClose(String what, float[] got, float[] want) {
        if (got.length != want.length) throw new AssertionError(what + ": " + got.length + " values, PyTorch has " + want.length);
        double scale = 0;
        for (float w : want) scale = Math.max(scale, Math.abs(w));
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= TOL * Math.max(scale, 1e-6))) {
                throw new AssertionError(what + "[" + i + "] = " + got[i] + ", PyTorch " + want[i] + " (largest entry " + scale + ")");
            }
        }
    }

    /**
     * Runs {@code op} on Vars named {@code inputs} (with the given shapes), seeds its output with
     * {@code name.c}, and compares {@code name.out} and {@code name.d<input>}.
     */
    private static void run(String name, BiFunction<Tape, Var[], Var> op, String[] inputs, int[]... shapes) {
        Tape t = new Tape();
        Var[] vars = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) vars[i] = Var.of(floats(name + "." + inputs[i]), shapes[i]);
        Var out = op.apply(t, vars);
        assertClose(name + ".out", out.data(), floats(name + ".out"));
        t.backward(out, floats(name + ".c"));
        for (int i = 0; i < inputs.length; i++) {
            assertClose(name + ".d" + inputs[i], vars[i].grad(), floats(name + ".d" + inputs[i]));
        }
    }

    private static String[] names(String... n) { return n; }

    @Test
    void linearAndMatmul() {
        run("linear", (t, v) -> LinearOps.linear(t, v[0], v[1], v[2]), names("x", "w", "b"),
                new int[] {2, 3, 8}, new int[] {6, 8}, new int[] {6});
        int m = 5, n = 7, k = 6;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                run("matmul_" + (ta ? 1 : 0) + (tb ? 1 : 0), (t, v) -> LinearOps.matmul(t, v[0], ta, v[1], tb), names("a", "b"),
                        ta ? new int[] {k, m} : new int[] {m, k}, tb ? new int[] {n, k} : new int[] {k, n});
            }
        }
        run("bmm", (t, v) -> LinearOps.matmul(t, v[0], false, v[1], true), names("a", "b"), new int[] {3, 5, 4}, new int[] {3, 6, 4});
    }

    @Test
    void embeddingAndNorms() {
        int[] ids = ints("embedding.ids");
        run("embedding", (t, v) -> EmbeddingOp.lookup(t, v[0], ids), names("table"), new int[] {10, 5});
        run("rmsnorm", (t, v) -> NormOps.rmsNorm(t, v[0], v[1], 1e-5f), names("x", "w"), new int[] {5, 16}, new int[] {16});
        run("layernorm", (t, v) -> NormOps.layerNorm(t, v[0], v[1], v[2], 1e-5f), names("x", "w", "b"),
                new int[] {5, 16}, new int[] {16}, new int[] {16});
    }

    @Test
    void activationsAndSoftmax() {
        run("silu", (t, v) -> ActivationOps.silu(t, v[0]), names("x"), new int[] {41});
        run("gelu", (t, v) -> ActivationOps.gelu(t, v[0]), names("x"), new int[] {41});
        run("gelu_tanh", (t, v) -> ActivationOps.geluTanh(t, v[0]), names("x"), new int[] {41});
        run("swiglu", (t, v) -> ActivationOps.swiglu(t, v[0], v[1]), names("g", "u"), new int[] {3, 19}, new int[] {3, 19});
        run("softmax", (t, v) -> ActivationOps.softmax(t, v[0]), names("x"), new int[] {4, 13});
    }

    @Test
    void arithmeticAndShapes() {
        run("add_bias", (t, v) -> ArithmeticOps.add(t, v[0], v[1]), names("a", "b"), new int[] {4, 9}, new int[] {9});
        run("mul", (t, v) -> ArithmeticOps.mul(t, v[0], v[1]), names("a", "b"), new int[] {4, 9}, new int[] {4, 9});
        run("permute", (t, v) -> ShapeOps.permute(t, v[0], 2, 0, 1), names("x"), new int[] {2, 3, 4});
        run("slice", (t, v) -> ShapeOps.slice(t, v[0], 1, 1, 4), names("x"), new int[] {2, 5, 3});
        run("concat", (t, v) -> ShapeOps.concat(t, 1, v[0], v[1]), names("a", "b"), new int[] {2, 2, 3}, new int[] {2, 3, 3});
    }

    @Test
    void fusedCrossEntropyInEveryChunkingAndMode() {
        int[] targets = ints("ce.targets");
        CrossEntropy.Options base = CrossEntropy.Options.defaults().withZLoss(1e-2f);
        for (CrossEntropy.Options o : new CrossEntropy.Options[] {
                base, base.withChunks(6, 16), base.withChunks(1, 7), base.withGradInForward(true),
                base.withChunks(7, 0).withGradInForward(true)}) {
            run("ce", (t, v) -> CrossEntropy.linear(t, v[0], v[1], targets, o).loss(), names("h", "w"),
                    new int[] {20, 16}, new int[] {50, 16});
        }
        CrossEntropy.Options smooth = base.withLabelSmoothing(0.1f);
        for (CrossEntropy.Options o : new CrossEntropy.Options[] {smooth, smooth.withChunks(3, 9), smooth.withGradInForward(true)}) {
            run("ce_smooth", (t, v) -> CrossEntropy.linear(t, v[0], v[1], targets, o).loss(), names("h", "w"),
                    new int[] {20, 16}, new int[] {50, 16});
        }
        run("ce_smooth", (t, v) -> CrossEntropy.logits(t, LinearOps.linear(t, v[0], v[1], null), targets, smooth).loss(),
                names("h", "w"), new int[] {20, 16}, new int[] {50, 16});
        // the unfused form on materialized logits agrees too
        run("ce", (t, v) -> CrossEntropy.logits(t, LinearOps.linear(t, v[0], v[1], null), targets, base).loss(), names("h", "w"),
                new int[] {20, 16}, new int[] {50, 16});
    }

    @Test
    void fusedTokenLogProbs() {
        int[] targets = ints("logprobs.targets");
        for (int[] chunks : new int[][] {{256, 0}, {6, 16}, {1, 7}}) {
            CrossEntropy.Options o = CrossEntropy.Options.defaults().withChunks(chunks[0], chunks[1]);
            run("logprobs", (t, v) -> CrossEntropy.tokenLogProbs(t, v[0], v[1], targets, o), names("h", "w"),
                    new int[] {20, 16}, new int[] {50, 16});
        }
    }

    @Test
    void moeRoutingCombineAndLoadBalancing() {
        int[] experts = ints("moe.experts");
        int tokens = 12, numExperts = 6, k = 2, dim = 4;
        run("moe_gates", (t, v) -> {
            MoeRouting.Routing r = MoeRouting.topK(t, v[0], k, true);
            assertExperts(r, experts);
            return r.gates();
        }, names("logits"), new int[] {tokens, numExperts});
        run("moe_gates_plain", (t, v) -> MoeRouting.topK(t, v[0], k, false).gates(), names("logits"), new int[] {tokens, numExperts});
        run("moe_combine", (t, v) -> {
            MoeRouting.Routing r = MoeRouting.topK(t, v[0], k, true);
            Var[] outs = new Var[numExperts];
            for (int e = 0; e < numExperts; e++) {
                int[] rows = r.tokensOf(e);
                for (int i = 0; i < rows.length; i++) rows[i] += e * tokens;
                outs[e] = EmbeddingOp.lookup(t, v[1], rows);
            }
            return MoeRouting.combine(t, r, outs, dim);
        }, names("logits", "y"), new int[] {tokens, numExperts}, new int[] {numExperts * tokens, dim});
        run("moe_aux", (t, v) -> MoeRouting.loadBalancingLoss(t, v[0], MoeRouting.topK(t, v[0], k, true)), names("logits"),
                new int[] {tokens, numExperts});
    }

    private static void assertExperts(MoeRouting.Routing r, int[] want) {
        if (!java.util.Arrays.equals(r.experts(), want)) {
            throw new AssertionError("experts " + java.util.Arrays.toString(r.experts()) + ", PyTorch topk " + java.util.Arrays.toString(want));
        }
    }
}

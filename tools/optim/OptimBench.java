import dev.jllm.nn.Parameter;
import dev.jllm.nn.optim.AdamW;
import dev.jllm.nn.optim.Lion;
import dev.jllm.nn.optim.Muon;
import dev.jllm.nn.optim.Optimizer;
import dev.jllm.tensor.Tensor;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Rough per-step cost of the optimizers (single-file program, see docs/optimizers.md):
 * elementwise AdamW/Lion over one large parameter, and Muon on a square matrix.
 */
public class OptimBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 8 << 20;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        time("adamw", n, 1, ps -> new AdamW(ps, AdamW.Config.llm()));
        time("lion", n, 1, ps -> new Lion(ps, Lion.Config.defaults()));
        time("muon", dim, dim, ps -> new Muon(ps, (Parameter p) -> false, Muon.Config.defaults()));
    }

    private static void time(String what, int rows, int cols, Function<List<Parameter>, Optimizer> make) {
        Random r = new Random(1);
        long[] shape = cols == 1 ? new long[] {rows} : new long[] {rows, cols};
        Parameter p = Parameter.of("w", Tensor.zeros(shape), true);
        for (int i = 0; i < p.numel(); i++) p.grad()[i] = (float) r.nextGaussian();
        Optimizer opt = make.apply(List.of(p));
        for (int i = 0; i < 3; i++) opt.step(1e-3);
        int reps = 10;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) opt.step(1e-3);
        double ms = (System.nanoTime() - t0) / 1e6 / reps;
        System.out.printf("%-6s %,d params: %.2f ms/step (%.2f ns/param)%n", what, p.numel(), ms, ms * 1e6 / p.numel());
    }
}

// Why batching pays (or not) on this machine: CPU time per token of one quantized weight times
// m token rows (QuantMatMul, the product a batched decode step runs per linear layer), for
// m = 1 (the single-stream matvec) up to 32. Per-thread CPU time on one thread, so a busy
// machine does not distort it. If the per-token cost at m = 16 is not far below the m = 1
// cost, decode is compute-bound and batching cannot multiply throughput. Like the batching
// server, it lets Q4_0/Q8_0 take the packed multi-token kernel (QuantMatMulPacked) from m = 2;
// -Djllm.matmul.packed=false gives the previous decoded-tile path for a side-by-side comparison.
// Usage (after ./jllm bench model-file --shape LLAMA_3_2_1B --type Q4_0 --out /tmp/l1b-q4.gguf):
//   java --add-modules jdk.incubator.vector -Djllm.threads=1 -cp jllm-cli/target/jllm.jar \
//     tools/serve/BatchedMatmulCost.java /tmp/l1b-q4.gguf blk.0.ffn_up.weight
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.QuantMatMul;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

public class BatchedMatmulCost {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BatchedMatmulCost MODEL.gguf TENSOR_NAME");
            System.exit(2);
        }
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        QuantMatMul.repackForBatches(); // what BatchEngine does; -Djllm.matmul.packed=false still wins
        try (GgufFile g = GgufFile.open(Path.of(args[0]))) {
            Tensor w = g.tensor(args[1]);
            int n = (int) Math.max(w.shape()[0], w.shape()[1]);
            System.out.println(args[1] + " " + Arrays.toString(w.shape()) + " " + w.dtype());
            Random rnd = new Random(1);
            int[] ms = {1, 2, 4, 8, 16, 32};
            for (int pass = 0; pass < 2; pass++) { // the first pass only warms the JIT up
                for (int m : ms) {
                    float[] x = new float[m * n], y = new float[m * n];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                    int iters = Math.max(5, 64 / m);
                    long[] ns = new long[iters];
                    for (int i = 0; i < 3; i++) QuantMatMul.matmul(w, x, 0, m, y, 0);
                    for (int i = 0; i < iters; i++) {
                        long t0 = cpu.getCurrentThreadCpuTime();
                        QuantMatMul.matmul(w, x, 0, m, y, 0);
                        ns[i] = cpu.getCurrentThreadCpuTime() - t0;
                    }
                    Arrays.sort(ns);
                    double ms1 = ns[iters / 2] / 1e6;
                    if (pass == 1) System.out.printf("m=%2d  %7.2f ms per call  %6.3f ms per token%n", m, ms1, ms1 / m);
                }
            }
        }
    }
}

package dev.jllm.bench.jmh;

import dev.jllm.bench.Measure;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Gemm;
import dev.jllm.tensor.kernel.Simd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * F32 GEMM throughput. As JMH: {@code shape} is "MxNxK", {@code trans} one of NN, NT, TN, TT
 * (op(A)·op(B), T = stored transposed). As a plain program ({@link #main}) it prints median
 * GFLOPS per shape and case in the same format and with the same method as
 * tools/gemm/numpy_gemm.py, so the two can be compared line by line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
    @Param({"1024x1024x1024", "4096x4096x512", "512x2048x2048"})
    public String shape;

    @Param({"NN", "NT", "TN"})
    public String trans;

    private Case problem;

    @Setup
    public void setup() {
        problem = Case.of(shape, trans);
    }

    @Benchmark
    public float[] sgemm() {
        problem.run();
        return problem.c;
    }

    /** One product with its operands, stored as the trans case says. */
    record Case(int m, int n, int k, boolean ta, boolean tb, float[] a, float[] b, float[] c) {
        static Case of(String shape, String trans) {
            int[] d = Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
            SplittableRandom rnd = new SplittableRandom(1);
            float[] a = new float[d[0] * d[2]], b = new float[d[2] * d[1]];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
            for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() * 2 - 1);
            return new Case(d[0], d[1], d[2], trans.charAt(0) == 'T', trans.charAt(1) == 'T', a, b, new float[d[0] * d[1]]);
        }

        void run() {
            Gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
        }

        double flops() {
            return 2.0 * m * n * k;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * {@code GemmBench [--reps N] [--cases NN,NT,TN] [MxNxK ...]}: each rep repeats the product
     * until 0.2 s have passed; prints the median, min and max GFLOPS over the reps, and the
     * median "cpu" figure, flops / process CPU seconds × threads: what the threads achieved
     * while they had a core, the fairer figure on a machine shared with other work.
     */
    public static void main(String[] args) {
        int reps = 7;
        String cases = "NN,NT,TN";
        List<String> shapes = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--cases" -> cases = args[++i];
                default -> shapes.add(args[i]);
            }
        }
        if (shapes.isEmpty()) shapes = List.of("1024x1024x1024", "4096x4096x512", "512x2048x2048");
        System.out.println("jllm Gemm, " + Simd.describe());
        for (String s : shapes) {
            for (String t : cases.split(",")) {
                Case p = Case.of(s, t);
                long warm = System.nanoTime(); // let C2 compile the kernels before timing
                do p.run(); while (System.nanoTime() - warm < 500_000_000L);
                double[] g = new double[reps], cpu = new double[reps];
                for (int r = 0; r < reps; r++) {
                    int iters = 0;
                    long t0 = System.nanoTime(), c0 = processCpuNanos();
                    double dt;
                    do {
                        p.run();
                        iters++;
                        dt = (System.nanoTime() - t0) / 1e9;
                    } while (dt < 0.2);
                    double dc = (processCpuNanos() - c0) / 1e9;
                    g[r] = p.flops() * iters / dt / 1e9;
                    cpu[r] = p.flops() * iters / dc / 1e9 * Parallel.threads();
                }
                double[] sorted = g.clone();
                Arrays.sort(sorted);
                System.out.printf("jllm  %s %s: median %7.1f GFLOPS  (min %.1f, max %.1f)  cpu %7.1f%n",
                        s, t, Measure.median(g), sorted[0], sorted[reps - 1], Measure.median(cpu));
            }
        }
    }
}

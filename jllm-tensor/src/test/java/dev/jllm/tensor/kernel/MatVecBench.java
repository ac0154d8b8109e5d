package dev.jllm.tensor.kernel;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.Tensor;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Throughput of MatVec per weight dtype as effective GB/s (weight bytes / time), next to a
 * STREAM-like read bandwidth measured in the same run on the same threads. Not a test: run
 * with {@code main} (see docs/kernels-matvec.md). Arguments: dtypes (default: all), and
 * {@code -m N} to also time QuantMatMul with N tokens, {@code -s ROWSxCOLS} for one other shape.
 *
 * <p>Each figure is the median over {@code REPS} batches; the weights are bigger than the
 * last-level cache's share a run can count on, so they stream from memory.
 */
public final class MatVecBench {
    private static final int REPS = 9;
    /** A constant species: the Vector API only compiles to vector instructions with those. */
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    /** Fastest batch of the last {@link #median} call: the least disturbed by other jobs. */
    private static double lastBest;

    public static void main(String[] args) {
        List<DType> types = new ArrayList<>();
        int m = 0;
        int[][] shapes = {{2048, 8192}, {8192, 2048}};
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-m")) m = Integer.parseInt(args[++i]);
            else if (args[i].equals("-s")) {
                String[] rc = args[++i].split("x");
                shapes = new int[][] {{Integer.parseInt(rc[0]), Integer.parseInt(rc[1])}};
            }
            else types.add(DType.valueOf(args[i]));
        }
        if (types.isEmpty()) {
            types.addAll(List.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0,
                    DType.Q5_1, DType.Q2_K, DType.Q3_K, DType.Q4_K, DType.Q5_K, DType.Q6_K));
        }
        System.out.println(Simd.describe() + (CPU_TIME ? ", timed by the thread's CPU time" : ", wall-clock"));
        double bw = readBandwidth(512L << 20);
        System.out.printf("read bandwidth (STREAM-like sum over 512 MiB): %.1f GB/s%n", bw);
        Random rnd = new Random(42);
        for (DType t : types) {
            for (int[] shape : shapes) {
                int rows = shape[0], cols = shape[1];
                Tensor w = weight(rnd, t, rows, cols);
                float[] x = new float[cols];
                for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextGaussian();
                float[] y = new float[rows];
                long bytes = t.byteSize((long) rows * cols);
                int calls = (int) Math.max(3, 2e9 / 25 / Math.max(bytes, 1) / 4);
                double sec = median(() -> MatVec.matvec(w, x, 0, y, 0), calls);
                double gbs = bytes / sec / 1e9;
                double best = bytes / lastBest / 1e9;
                // the weights may partly stay in the last-level cache between calls: compare also
                // with reading a buffer of the same size the same way
                double same = readBandwidth(bytes);
                System.out.printf("matvec %-5s %5dx%-5d %7.2f MB  %8.1f us  %6.1f GB/s  %5.1f%% of bandwidth  %5.1f%% of same-size read (%.1f GB/s)  (best batch %.1f GB/s)%n",
                        t, rows, cols, bytes / 1e6, sec * 1e6, gbs, 100 * gbs / bw, 100 * gbs / same, same, best);
                if (m > 0) {
                    float[] xs = new float[m * cols];
                    for (int i = 0; i < xs.length; i++) xs[i] = (float) rnd.nextGaussian();
                    float[] ys = new float[m * rows];
                    final int mm = m;
                    double msec = median(() -> QuantMatMul.matmul(w, xs, 0, mm, ys, 0), 1);
                    System.out.printf("matmul %-5s %5dx%-5d m=%-4d %9.2f ms  %7.1f GMAC/s  %6.1f GB/s of weights%n",
                            t, rows, cols, m, msec * 1e3, (double) rows * cols * m / msec / 1e9, bytes / msec / 1e9);
                }
            }
        }
    }

    static Tensor weight(Random rnd, DType t, int rows, int cols) {
        if (t == DType.F32) {
            float[] a = new float[rows * cols];
            for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
            return Tensor.of(a, rows, cols);
        }
        Tensor w = Tensor.allocate(t, rows, cols);
        MemorySegment seg = w.segment();
        byte[] chunk = new byte[1 << 16];
        for (long o = 0; o < seg.byteSize(); o += chunk.length) {
            rnd.nextBytes(chunk);
            MemorySegment.copy(chunk, 0, seg, ValueLayout.JAVA_BYTE, o, (int) Math.min(chunk.length, seg.byteSize() - o));
        }
        if (!t.isQuantized()) {
            // keep the 16-bit values finite and small: clear the top exponent bits
            for (long o = 0; o < seg.byteSize(); o += 2) {
                short v = seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, o);
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, o, (short) (v & (t == DType.F16 ? 0xbbff : 0xbeff)));
            }
            return w;
        }
        int[] halves = switch (t) { // byte offsets of the fp16 scale fields in a block
            case Q8_0, Q4_0, Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(t.toString());
        };
        var i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < seg.byteSize() / t.blockBytes(); b++) {
            for (int f : halves) seg.set(i16, b * t.blockBytes() + f, Float.floatToFloat16(0.01f));
        }
        return w;
    }

    /** Median seconds per call over REPS batches of {@code calls} calls, after a warm-up. */
    static double median(Runnable r, int calls) {
        // Warm up for 3 wall-clock seconds: with every core busy running the kernel, C2's
        // compiler threads get little CPU and the vector kernels were measured half-compiled
        // (2-6x slower) after a 1 s warm-up.
        // Timed by CPU time on a shared machine, the warm-up also counts CPU time: three wall
        // seconds of a busy machine leave the JIT behind and the first dtype was measured 10x slow.
        long until = System.nanoTime() + 3_000_000_000L, cpuUntil = now() + 3_000_000_000L;
        for (int i = 0; i < 3 || System.nanoTime() < until || (CPU_TIME && now() < cpuUntil); i++) r.run();
        double[] t = new double[REPS];
        for (int k = 0; k < REPS; k++) {
            long t0 = now();
            for (int i = 0; i < calls; i++) r.run();
            t[k] = (now() - t0) / 1e9 / calls;
        }
        Arrays.sort(t);
        lastBest = t[0];
        return t[REPS / 2];
    }

    /**
     * Wall-clock nanoseconds; with {@code -Djllm.threads=1} and {@code -Dbench.cpuTime=true}
     * the caller's CPU time instead, which stays meaningful on a machine shared with other jobs.
     */
    private static long now() {
        if (CPU_TIME) return THREADS.getCurrentThreadCpuTime();
        return System.nanoTime();
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = Boolean.getBoolean("bench.cpuTime") && Parallel.threads() == 1;

    /**
     * GB/s of summing a buffer of {@code size} bytes (a heap long[]) as longs on all kernel
     * threads; median of REPS.
     */
    static double readBandwidth(long size) {
        int chunk = 1 << 13; // longs per task unit (64 KiB)
        int units = (int) Math.max(16, size / 8 / chunk);
        long[] buf = new long[units * chunk];
        Arrays.fill(buf, 1L);
        int n = LONGS.length();
        long[] sink = new long[1];
        long bytes = 8L * buf.length;
        double sec = median(() -> Parallel.forRange(units, 16, (s, e) -> {
            LongVector a = LongVector.zero(LONGS), b = LongVector.zero(LONGS), c = LongVector.zero(LONGS), d = LongVector.zero(LONGS);
            for (int i = s * chunk, end = e * chunk; i < end; i += 4 * n) {
                a = a.add(LongVector.fromArray(LONGS, buf, i));
                b = b.add(LongVector.fromArray(LONGS, buf, i + n));
                c = c.add(LongVector.fromArray(LONGS, buf, i + 2 * n));
                d = d.add(LongVector.fromArray(LONGS, buf, i + 3 * n));
            }
            sink[0] += a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
        }), 1);
        return bytes / sec / 1e9;
    }
}

package dev.jllm.bench;

import dev.jllm.tensor.DType;
import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.Gemm;
import dev.jllm.tensor.kernel.MatVec;
import dev.jllm.tensor.kernel.QuantMatMul;
import dev.jllm.tensor.kernel.Simd;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code jllm bench kernels}: bandwidth, F32 peak, GEMM GFLOPS, matvec GB/s per weight dtype and
 * quantized GEMM (prefill) GFLOPS, each with its ratio to what the machine allows.
 */
public final class KernelBench {

    public record GemmResult(String dtype, int m, int n, int k, double gflops, double ofPeak) {}
    public record MatVecResult(String dtype, int rows, int cols, double gbps, double ofBandwidth, double ms) {}
    public record Result(String kernels, int threads, double bandwidthGbps, double triadGbps, double f32PeakGflops,
                         double f32PeakMeasuredGflops, String peakDerivation,
                         List<GemmResult> gemm, List<MatVecResult> matvec) {}

    /** Sizes: {@code quick} shrinks everything for smoke tests (seconds instead of a minute). */
    public record Options(boolean quick, List<DType> matvecTypes) {
        public static final List<DType> DEFAULT_TYPES =
                List.of(DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K);
    }

    private final PrintStream log;

    public KernelBench(PrintStream log) {
        this.log = log;
    }

    public Result run(Options opt) {
        log.println(Simd.describe());
        long bwBytes = opt.quick() ? 64L << 20 : 1L << 30;
        MachinePeak.Bandwidth bw = MachinePeak.bandwidth(bwBytes);
        log.printf("memory bandwidth: read %.1f GB/s, triad %.1f GB/s (%d MiB buffer, best of 7)%n",
                bw.readGbps(), bw.triadGbps(), bwBytes >> 20);
        MachinePeak.Peak peak = MachinePeak.f32Peak();
        // Ratios use the higher of the two: turbo clocks let the FMA loop beat the nominal-clock formula.
        double peakGflops = Math.max(peak.derivedGflops(), peak.measuredGflops());
        log.printf("F32 peak: %s; all threads reach %.0f GFLOP/s in an FMA loop; ratios below use %.0f%n",
                peak.derivation(), peak.measuredGflops(), peakGflops);

        List<GemmResult> gemms = new ArrayList<>();
        int[][] shapes = opt.quick() ? new int[][] {{128, 128, 128}} :
                new int[][] {{1024, 1024, 1024}, {4096, 4096, 512}, {512, 2048, 2048}};
        for (int[] s : shapes) {
            GemmResult g = gemmF32(s[0], s[1], s[2], peakGflops, opt.quick());
            gemms.add(g);
            log.printf("gemm F32   %5d x %5d x %5d  %7.1f GFLOP/s  %5.1f%% of peak%n", g.m(), g.n(), g.k(), g.gflops(), 100 * g.ofPeak());
        }

        List<MatVecResult> mvs = new ArrayList<>();
        int[][] mats = opt.quick() ? new int[][] {{256, 512}} : new int[][] {{2048, 8192}, {8192, 2048}};
        for (DType t : opt.matvecTypes()) {
            for (int[] m : mats) {
                MatVecResult r = matvec(t, m[0], m[1], bw.readGbps(), opt.quick());
                mvs.add(r);
                log.printf("matvec %-5s %5d x %5d  %6.1f GB/s  %5.1f%% of read bandwidth  (%.3f ms)%n",
                        t, r.rows(), r.cols(), r.gbps(), 100 * r.ofBandwidth(), r.ms());
            }
        }
        int prefill = opt.quick() ? 16 : 512;
        int rows = opt.quick() ? 256 : 2048, cols = opt.quick() ? 512 : 8192;
        for (DType t : List.of(DType.F32, DType.Q8_0, DType.Q4_0, DType.Q4_K)) {
            if (t != DType.F32 && !opt.matvecTypes().contains(t)) continue;
            GemmResult g = quantGemm(t, prefill, rows, cols, peakGflops, opt.quick());
            gemms.add(g);
            log.printf("gemm %-5s %5d x %5d x %5d  %7.1f GFLOP/s  %5.1f%% of peak (prefill: tokens x out x in)%n",
                    t, g.m(), g.n(), g.k(), g.gflops(), 100 * g.ofPeak());
        }
        return new Result(Simd.describe(), Parallel.threads(), bw.readGbps(), bw.triadGbps(), peakGflops,
                peak.measuredGflops(), peak.derivation(), gemms, mvs);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    private static GemmResult gemmF32(int m, int n, int k, double peak, boolean quick) {
        float[] a = random(m * k, 1), b = random(k * n, 2), c = new float[m * n];
        double s = Measure.medianSecondsFor(quick ? 0.3 : 2.0,
                () -> Gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n));
        double gf = 2.0 * m * n * k / s / 1e9;
        return new GemmResult("F32", m, n, k, gf, gf / peak);
    }

    /** A [rows, cols] weight of dtype {@code t} with random values (speed does not depend on them). */
    static Tensor weight(DType t, int rows, int cols) {
        Tensor f = Tensor.of(random(rows * cols, 7), rows, cols);
        return t == DType.F32 ? f.to(DType.F32).reshape(rows, cols) : f.to(t);
    }

    /** Weight bytes cycled through per matvec measurement: 8x a typical L3, so reads come from DRAM as in decode. */
    static final long ROTATION_BYTES = 256L << 20;

    private static MatVecResult matvec(DType t, int rows, int cols, double bw, boolean quick) {
        Tensor w = weight(t, rows, cols);
        // Copies of the weight, cycled so that no call finds its weight in cache (a 2048x8192 Q8_0
        // matrix is 18 MB and would otherwise sit in L3 and beat the memory bandwidth).
        int copies = quick ? 1 : (int) Math.min(64, Math.max(1, (ROTATION_BYTES + w.byteSize() - 1) / w.byteSize()));
        Tensor[] ws = new Tensor[copies];
        ws[0] = w;
        for (int i = 1; i < copies; i++) {
            if (w.isHeap()) {
                ws[i] = Tensor.of(w.heapArray().clone(), rows, cols);
            } else {
                ws[i] = Tensor.allocate(t, rows, cols);
                java.lang.foreign.MemorySegment.copy(w.segment(), w.byteOffset(), ws[i].segment(), 0, w.byteSize());
            }
        }
        float[] x = random(cols, 3), y = new float[rows];
        int[] next = {0};
        double s = Measure.medianSecondsFor(quick ? 0.3 : 1.5, () -> {
            MatVec.matvec(ws[next[0]], x, 0, y, 0);
            next[0] = (next[0] + 1) % copies;
        });
        double gbps = w.byteSize() / s / 1e9;
        return new MatVecResult(t.toString(), rows, cols, gbps, gbps / bw, s * 1e3);
    }

    private static GemmResult quantGemm(DType t, int m, int rows, int cols, double peak, boolean quick) {
        Tensor w = weight(t, rows, cols);
        float[] x = random(m * cols, 4), y = new float[m * rows];
        double s = Measure.medianSecondsFor(quick ? 0.3 : 2.0, () -> QuantMatMul.matmul(w, x, 0, m, y, 0));
        double gf = 2.0 * m * rows * cols / s / 1e9;
        return new GemmResult(t.toString(), m, rows, cols, gf, gf / peak);
    }
}

package dev.jllm.bench;

import dev.jllm.tensor.Parallel;
import dev.jllm.tensor.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the hardware allows: memory read bandwidth (a STREAM-like sweep over a buffer much
 * larger than the caches) and the F32 FMA peak (independent FMA chains kept in registers).
 * Kernel figures are reported as a fraction of these. Bandwidth is the best of 7 sweeps, as
 * STREAM reports it; kernel timings are medians, so the ratios are conservative.
 */
public final class MachinePeak {
    private MachinePeak() {}

    /** Read and triad bandwidth in GB/s (1e9 bytes/s). */
    public record Bandwidth(double readGbps, double triadGbps, long bytes) {}

    /**
     * Sums a {@code bytes}-long heap buffer on all kernel threads (heap arrays: the loads the
     * kernels' activation reads use, with no segment checks in the loop); also a triad
     * a = b + s*c over three arrays of a third of the size.
     */
    public static Bandwidth bandwidth(long bytes) {
        int chunk = 1 << 14; // floats per work unit (64 KiB)
        int units = (int) Math.max(16, bytes / 4 / chunk);
        float[] buf = new float[units * chunk];
        Parallel.forRange(units, (s, e) -> java.util.Arrays.fill(buf, s * chunk, e * chunk, 1f));
        float[] partial = new float[units];
        double read = Measure.minSeconds(1, 7, () -> Parallel.forRange(units, (s, e) -> {
            for (int u = s; u < e; u++) partial[u] = sum(buf, u * chunk, chunk);
        }));
        int third = units / 3;
        double triad = Measure.minSeconds(1, 7, () -> Parallel.forRange(third, (s, e) -> {
            for (int u = s; u < e; u++) triad(buf, u * chunk, (third + u) * chunk, (2 * third + u) * chunk, chunk);
        }));
        long total = 4L * buf.length;
        return new Bandwidth(total / read / 1e9, 12.0 * third * chunk / triad / 1e9, total);
    }

    private static float sum(float[] a, int off, int n) {
        int i = 0;
        float s = 0;
        if (!Simd.SCALAR) {
            VectorSpecies<Float> sp = Simd.F;
            int l = sp.length();
            FloatVector a0 = FloatVector.zero(sp), a1 = a0, a2 = a0, a3 = a0;
            for (; i + 4 * l <= n; i += 4 * l) {
                a0 = a0.add(FloatVector.fromArray(sp, a, off + i));
                a1 = a1.add(FloatVector.fromArray(sp, a, off + i + l));
                a2 = a2.add(FloatVector.fromArray(sp, a, off + i + 2 * l));
                a3 = a3.add(FloatVector.fromArray(sp, a, off + i + 3 * l));
            }
            s = a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[off + i];
        return s;
    }

    private static void triad(float[] buf, int a, int b, int c, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            VectorSpecies<Float> sp = Simd.F;
            FloatVector k = FloatVector.broadcast(sp, 3f);
            for (; i + sp.length() <= n; i += sp.length()) {
                FloatVector.fromArray(sp, buf, c + i).fma(k, FloatVector.fromArray(sp, buf, b + i)).intoArray(buf, a + i);
            }
        }
        for (; i < n; i++) buf[a + i] = buf[b + i] + 3f * buf[c + i];
    }

    /** F32 peak measured and derived. */
    public record Peak(double measuredGflops, double derivedGflops, double clockGhz, int fmaUnits, String derivation) {}

    /**
     * The F32 peak as cores x FMA width x 2 x FMA units x clock. The FMA width is the vector
     * width in use; the number of FMA units per core is not visible to Java, so it is inferred
     * from a one-thread FMA loop (12 independent accumulator chains, enough to hide the FMA
     * latency) at the nominal clock, rounded to a whole number. The all-threads FMA loop is
     * reported beside it as the peak actually reached (turbo raises it, shared cores lower it).
     */
    public static Peak f32Peak() {
        int threads = Parallel.threads();
        int lanes = Simd.SCALAR ? 1 : Simd.LANES;
        long iters = 20_000_000L;
        float[] out = new float[threads];
        double one = Measure.medianSeconds(1, 3, () -> out[0] = fmaLoop(iters));
        double oneGflops = 2.0 * 12 * lanes * iters / one / 1e9;
        double all = Measure.medianSeconds(1, 3, () -> Parallel.forRange(threads, (s, e) -> {
            for (int t = s; t < e; t++) out[t] = fmaLoop(iters);
        }));
        double measured = 2.0 * 12 * lanes * iters * threads / all / 1e9;
        double ghz = clockGhz();
        if (ghz <= 0) {
            return new Peak(measured, measured, 0, 0, "clock unknown (no /proc/cpuinfo): the measured FMA loop is the peak");
        }
        int units = (int) Math.max(1, Math.round(oneGflops / (lanes * 2 * ghz)));
        double derived = threads * lanes * 2.0 * units * ghz;
        String how = String.format("%d threads x %d floats/FMA x 2 flop x %d FMA unit(s) x %.2f GHz nominal = %.0f GFLOP/s "
                + "(units inferred from one thread's FMA loop: %.0f GFLOP/s)", threads, lanes, units, ghz, threads * lanes * 2.0 * units * ghz, oneGflops);
        return new Peak(measured, derived, ghz, units, how);
    }

    private static float fmaLoop(long iters) {
        if (Simd.SCALAR) {
            float a = 1, b = 1, c = 1, d = 1;
            for (long i = 0; i < iters; i++) {
                a = Math.fma(a, 0.9999f, 0.0001f); b = Math.fma(b, 0.9999f, 0.0001f);
                c = Math.fma(c, 0.9999f, 0.0001f); d = Math.fma(d, 0.9999f, 0.0001f);
            }
            return a + b + c + d;
        }
        VectorSpecies<Float> sp = Simd.F;
        FloatVector m = FloatVector.broadcast(sp, 0.9999f), k = FloatVector.broadcast(sp, 0.0001f);
        FloatVector v0 = FloatVector.broadcast(sp, 1f), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0,
                v6 = v0, v7 = v0, v8 = v0, v9 = v0, v10 = v0, v11 = v0;
        for (long i = 0; i < iters; i++) {
            v0 = v0.fma(m, k); v1 = v1.fma(m, k); v2 = v2.fma(m, k); v3 = v3.fma(m, k);
            v4 = v4.fma(m, k); v5 = v5.fma(m, k); v6 = v6.fma(m, k); v7 = v7.fma(m, k);
            v8 = v8.fma(m, k); v9 = v9.fma(m, k); v10 = v10.fma(m, k); v11 = v11.fma(m, k);
        }
        return v0.add(v1).add(v2).add(v3).add(v4).add(v5).add(v6).add(v7).add(v8).add(v9).add(v10).add(v11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /** Nominal clock from /proc/cpuinfo in GHz, or 0 when unknown. */
    public static double clockGhz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) return Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()) / 1000;
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}

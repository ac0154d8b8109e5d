package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.bench.KernelBench;
import dev.jllm.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "kernels",
        header = "Memory bandwidth, F32 peak, GEMM and matvec per dtype on this machine.",
        mixinStandardHelpOptions = true,
        description = {
                "Measure the kernels on this machine, in one run: memory bandwidth (a 1 GiB sweep), the F32 FMA peak,",
                "F32 GEMM GFLOP/s, matvec GB/s per weight dtype (2048x8192 and 8192x2048) and quantized GEMM for a",
                "512-token prefill; each with its ratio to the bandwidth or the peak. Takes about a minute.",
                "Threads: JLLM_JAVA_OPTS=-Djllm.threads=N; vector width: -Djllm.vectorBits=0|128|256|512."})
final class BenchKernelsCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object (progress goes to stderr).")
    boolean json;

    @Option(names = "--quick", description = "Small sizes: a smoke test in seconds, figures not meaningful.")
    boolean quick;

    @Option(names = "--types", split = ",", paramLabel = "DTYPE",
            description = "Weight dtypes for matvec (default: ${DEFAULT-VALUE}).",
            defaultValue = "F32,F16,BF16,Q8_0,Q4_0,Q4_K,Q6_K")
    List<DType> types = new ArrayList<>(KernelBench.Options.DEFAULT_TYPES);

    @Override
    public Integer call() throws Exception {
        KernelBench.Result r = new KernelBench(json ? System.err : System.out).run(new KernelBench.Options(quick, types));
        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.put("kernels", r.kernels());
            o.put("threads", r.threads());
            o.put("bandwidth_gbps", r.bandwidthGbps());
            o.put("triad_gbps", r.triadGbps());
            o.put("f32_peak_gflops", r.f32PeakGflops());
            o.put("f32_peak_measured_gflops", r.f32PeakMeasuredGflops());
            o.put("f32_peak_derivation", r.peakDerivation());
            ArrayNode g = o.putArray("gemm");
            for (KernelBench.GemmResult x : r.gemm()) {
                g.addObject().put("dtype", x.dtype()).put("m", x.m()).put("n", x.n()).put("k", x.k())
                        .put("gflops", x.gflops()).put("of_peak", x.ofPeak());
            }
            ArrayNode mv = o.putArray("matvec");
            for (KernelBench.MatVecResult x : r.matvec()) {
                mv.addObject().put("dtype", x.dtype()).put("rows", x.rows()).put("cols", x.cols())
                        .put("gbps", x.gbps()).put("of_bandwidth", x.ofBandwidth()).put("ms", x.ms());
            }
            System.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        }
        return 0;
    }
}

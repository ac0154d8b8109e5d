import dev.jllm.tensor.DType;
import dev.jllm.tensor.Tensor;
import dev.jllm.tensor.kernel.MatVec;
import dev.jllm.tensor.quant.Quants;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * One-thread matvec cost per weight dtype, side by side in one JVM: a 2048 x 8192 matrix of one
 * quantized random row repeated (so the figure is the kernel's, not DRAM's), best of 300 calls.
 * Usage: java --add-modules jdk.incubator.vector -Djllm.threads=1 -cp jllm-cli/target/jllm.jar \
 *          tools/kernels/MatVecTypeCost.java Q4_0 IQ4_NL IQ4_XS Q4_K
 */
public class MatVecTypeCost {
    public static void main(String[] a) {
        int rows = 2048, cols = 8192;
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) r.nextGaussian();
        float[] y = new float[rows];
        for (String tn : a) {
            DType t = DType.valueOf(tn);
            float[] row = new float[cols];
            for (int i = 0; i < cols; i++) row[i] = (float) (r.nextGaussian() * 0.02);
            byte[] rb = Quants.quantize(t, row);
            byte[] all = new byte[rb.length * rows];
            for (int i = 0; i < rows; i++) System.arraycopy(rb, 0, all, i * rb.length, rb.length);
            Tensor w = Tensor.wrap(MemorySegment.ofArray(all), t, rows, cols);
            double best = 1e9;
            for (int rep = 0; rep < 300; rep++) {
                long t0 = System.nanoTime();
                MatVec.matvec(w, x, 0, y, 0);
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
            System.out.printf("%s: best %.3f ms, %.1f GB/s of weights%n", t, best, all.length / best / 1e6);
        }
    }
}

package dev.jllm.nn.autograd;

import dev.jllm.tensor.kernel.Rope;
import dev.jllm.tensor.kernel.RopeFrequencies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * RoPE forward/backward against a double-precision rotation written here (with central finite
 * differences for the gradient) and against PyTorch (tools/train/attention_rope_golden.py).
 */
class RopeOpTest {

    /** The rotation of the published formula, in double; the angle is the float32 product, as the kernel forms it. */
    static double[] reference(double[] x, int[] positions, int heads, int headDim, RopeFrequencies f, Rope.Pairing pairing) {
        double[] y = x.clone();
        int half = f.rotaryDims() / 2;
        for (int r = 0; r < positions.length; r++) {
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    double theta = positions[r] * f.invFreq(i);
                    double c = Math.cos((float) theta) * f.attentionFactor(), s = Math.sin((float) theta) * f.attentionFactor();
                    int a = pairing == Rope.Pairing.ADJACENT ? base + 2 * i : base + i;
                    int b = pairing == Rope.Pairing.ADJACENT ? base + 2 * i + 1 : base + half + i;
                    y[a] = x[a] * c - x[b] * s;
                    y[b] = x[b] * c + x[a] * s;
                }
            }
        }
        return y;
    }

    static float[][] run(float[] x, int[] positions, int heads, int headDim, RopeFrequencies f, Rope.Pairing p, float[] w) {
        Tape tape = new Tape();
        Var xv = Var.of(x.clone(), positions.length, heads * headDim);
        Var y = RopeOp.rope(tape, xv, positions, heads, headDim, f, p);
        tape.backward(y, w);
        return new float[][] {y.data(), xv.grad()};
    }

    @Test
    void bothPairingsMatchTheRotationAndItsFiniteDifferenceGradient() {
        Random r = new Random(7);
        int n = 5, heads = 3, headDim = 40;
        int[] positions = {0, 3, 17, 250, 4095};
        RopeFrequencies[] tables = {RopeFrequencies.plain(headDim, 10000), RopeFrequencies.plain(24, 500000),
                RopeFrequencies.yarn(headDim, 10000, RopeFrequencies.Yarn.of(4, 512))}; // full, partial, scaled
        for (RopeFrequencies f : tables) {
            for (Rope.Pairing p : Rope.Pairing.values()) {
                float[] x = AttentionOpTest.random(r, n * heads * headDim), w = AttentionOpTest.random(r, x.length);
                float[][] got = run(x, positions, heads, headDim, f, p, w);
                double[] xd = AttentionOpTest.toDouble(x);
                double[] want = reference(xd, positions, heads, headDim, f, p);
                for (int i = 0; i < want.length; i++) assertThat((double) got[0][i]).as("%s y[%d]", p, i).isCloseTo(want[i], within(1e-5));
                double eps = 1e-4;
                for (int i = 0; i < x.length; i++) {
                    double keep = xd[i];
                    xd[i] = keep + eps;
                    double plus = AttentionOpTest.lossOf(reference(xd, positions, heads, headDim, f, p), w);
                    xd[i] = keep - eps;
                    double minus = AttentionOpTest.lossOf(reference(xd, positions, heads, headDim, f, p), w);
                    xd[i] = keep;
                    assertThat((double) got[1][i]).as("%s dx[%d]", p, i).isCloseTo((plus - minus) / (2 * eps), within(1e-4));
                }
            }
        }
    }

    @Test
    void matchesPyTorch() throws Exception {
        AttentionGoldens g = AttentionGoldens.load("attention_rope_golden.txt");
        for (String prefix : new String[] {"rope_adjacent", "rope_half_partial"}) {
            int[] shape = g.ints(prefix + ".shape");
            RopeFrequencies f = RopeFrequencies.of(g.floats(prefix + ".inv"), g.floats(prefix + ".factor")[0]);
            Rope.Pairing p = prefix.equals("rope_adjacent") ? Rope.Pairing.ADJACENT : Rope.Pairing.HALF;
            float[][] got = run(g.floats(prefix + ".x"), g.ints(prefix + ".positions"), shape[1], shape[2], f, p, g.floats(prefix + ".w"));
            AttentionGoldens.assertClose(got[0], g.floats(prefix + ".out"), 1e-5, prefix + ".out");
            AttentionGoldens.assertClose(got[1], g.floats(prefix + ".dx"), 1e-5, prefix + ".dx");
        }
    }

    @Test
    void aGradientAccumulatesAndAConstantInputRecordsNothing() {
        RopeFrequencies f = RopeFrequencies.plain(8, 10000);
        Tape tape = new Tape();
        Var x = Var.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8);
        x.grad()[0] = 10;
        Var y = RopeOp.rope(tape, x, new int[] {0}, 1, 8, f, Rope.Pairing.ADJACENT); // position 0: identity
        tape.backward(y, new float[] {1, 0, 0, 0, 0, 0, 0, 0});
        assertThat(x.grad()[0]).isEqualTo(11f);
        Tape eval = new Tape();
        RopeOp.rope(eval, Var.constant(new float[8], 1, 8), new int[] {3}, 1, 8, f, Rope.Pairing.HALF);
        assertThat(eval.size()).isZero();
    }

    @Test
    void mismatchedSizesAreNamed() {
        Tape tape = new Tape();
        assertThatThrownBy(() -> RopeOp.rope(tape, Var.of(new float[10], 10), new int[] {0, 1}, 1, 8,
                RopeFrequencies.plain(8, 10000), Rope.Pairing.HALF)).hasMessageContaining("needs 16 values");
        assertThatThrownBy(() -> RopeOp.rope(tape, Var.of(new float[8], 8), new int[] {0}, 2, 4,
                RopeFrequencies.plain(8, 10000), Rope.Pairing.HALF)).hasMessageContaining("rotates 8 dimensions, the head has 4");
    }
}

package dev.jllm.train;

import dev.jllm.nn.Parameter;
import dev.jllm.nn.TrainableLM;
import dev.jllm.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A bigram language model for trainer tests: logits(next | prev) = W[prev] + b, with the
 * cross-entropy gradient written out by hand ((softmax - onehot) / count). Small and exact, so
 * the trainer's bookkeeping (accumulation, clipping, checkpoints) is what the tests exercise.
 */
final class BigramLM implements TrainableLM {
    final int vocab;
    final Parameter table;
    final Parameter bias;

    BigramLM(int vocab, long seed) {
        this.vocab = vocab;
        float[] w = new float[vocab * vocab];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.02);
        table = Parameter.of("table.weight", Tensor.of(w, vocab, vocab), true);
        bias = Parameter.of("table.bias", Tensor.of(new float[vocab], vocab), false);
    }

    @Override
    public List<Parameter> parameters() { return List.of(table, bias); }

    @Override
    public StepLoss step(int[] inputs, int[] targets, int[] docIds, int batch, int seqLen, float gradScale) {
        long count = 0;
        for (int t : targets) if (t != IGNORE) count++;
        if (count == 0) return new StepLoss(0, 0);
        double loss = 0;
        float[] w = table.data(), b = bias.data(), gw = table.grad(), gb = bias.grad();
        double[] p = new double[vocab];
        for (int i = 0; i < inputs.length; i++) {
            if (targets[i] == IGNORE) continue;
            int row = inputs[i] * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) max = Math.max(max, w[row + v] + b[v]);
            double z = 0;
            for (int v = 0; v < vocab; v++) z += p[v] = Math.exp(w[row + v] + b[v] - max);
            loss += Math.log(z) - (w[row + targets[i]] + b[targets[i]] - max);
            if (gradScale > 0) {
                for (int v = 0; v < vocab; v++) {
                    double g = (p[v] / z - (v == targets[i] ? 1 : 0)) * gradScale / count;
                    gw[row + v] += (float) g;
                    gb[v] += (float) g;
                }
            }
        }
        return new StepLoss(loss / count, count);
    }
}

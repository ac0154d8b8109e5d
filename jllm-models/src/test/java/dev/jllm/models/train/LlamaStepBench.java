package dev.jllm.models.train;

import dev.jllm.models.Llama;
import dev.jllm.nn.TrainableLM;
import dev.jllm.nn.optim.AdamW;
import dev.jllm.tensor.kernel.Simd;

import java.util.Random;

/**
 * Wall time of one training step (forward + backward + AdamW) of a 6-layer d=384 Llama on a
 * batch of 8 x 256 tokens with vocabulary 8192; tools/train/bench_step_torch.py is its PyTorch
 * twin. Not a unit test: run it by hand (docs/train-llama.md shows the command).
 * Arguments: [steps] [batch] [seq].
 */
public final class LlamaStepBench {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        Llama.Config c = Llama.Config.llama(384, 6, 6, 6, 1536, 8192, seq);
        Llama model = Llama.init(c, 1);
        AdamW opt = new AdamW(model.parameters(), AdamW.Config.llm());
        Random r = new Random(2);
        int[] in = new int[batch * seq], target = new int[batch * seq];
        for (int i = 0; i < in.length; i++) { in[i] = r.nextInt(c.vocab()); target[i] = r.nextInt(c.vocab()); }
        long params = 0;
        for (var p : model.parameters()) params += p.numel();
        System.out.printf("%s; %d parameters, batch %d x %d tokens%n", Simd.describe(), params, batch, seq);
        for (int s = -1; s < steps; s++) { // step -1 warms the JIT up
            long t0 = System.nanoTime();
            TrainableLM.StepLoss eval = model.step(in, target, null, batch, seq, 0f);
            long t1 = System.nanoTime();
            opt.zeroGrad();
            TrainableLM.StepLoss loss = model.step(in, target, null, batch, seq, 1f);
            long t2 = System.nanoTime();
            opt.step(1e-3);
            long t3 = System.nanoTime();
            System.out.printf("%s loss %.4f: forward only %.2f s, forward+backward %.2f s, AdamW %.3f s, train step %.2f s%n",
                    s < 0 ? "warmup" : "step " + s, loss.loss(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9,
                    (t3 - t1) / 1e9);
            if (Math.abs(eval.loss() - loss.loss()) > 1e-4) throw new AssertionError("eval and train loss differ");
        }
    }
}

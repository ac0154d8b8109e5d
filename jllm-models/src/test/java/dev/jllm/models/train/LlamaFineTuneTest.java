package dev.jllm.models.train;

import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.nn.optim.AdamW;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fine-tuning loaded checkpoints: {@link Llama#trainableCopy()} of each family fixture (Qwen2
 * q/k/v biases, Qwen3 q/k norms, HALF and ADJACENT RoPE pairing, Llama 3.1 frequency scaling,
 * a Mistral sliding window shorter than the sequence, F16 weights) gives, through the training
 * forward, the logits the original mapped model gives through the inference path, whose
 * agreement with PyTorch the family tests establish; after optimizer steps the copy's two paths
 * still agree and the mapped original is untouched.
 */
class LlamaFineTuneTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "llama-f16", "llama3-scaled", "mistral-swa", "qwen2-tiny", "qwen3-tiny"})
    void aTrainableCopyMatchesTheLoadedModelBeforeAndAfterTraining(String fixture) throws Exception {
        try (GgufFile g = GgufFile.open(Path.of("src/test/resources/models", fixture, "model.gguf"))) {
            Llama loaded = Llama.fromGguf(g);
            Llama copy = loaded.trainableCopy();
            int vocab = loaded.vocabSize(), seq = Math.min(20, loaded.contextLength());
            Random r = new Random(fixture.hashCode());
            int[] probe = new int[seq];
            for (int i = 0; i < seq; i++) probe[i] = r.nextInt(vocab);
            float[] original = LlamaTrainingTest.inferenceLogits(loaded, probe, 0, seq);
            LlamaTrainingTest.assertClose(copy.trainingLogits(probe, null, 1, seq), 0, original, 0, seq * vocab, 1e-4, fixture);

            AdamW opt = new AdamW(copy.parameters(), AdamW.Config.llm());
            for (int step = 0; step < 2; step++) {
                int[] in = new int[2 * seq], target = new int[2 * seq];
                for (int i = 0; i < in.length; i++) { in[i] = r.nextInt(vocab); target[i] = r.nextInt(vocab); }
                opt.zeroGrad();
                copy.step(in, target, null, 2, seq, 1f);
                opt.step(1e-2);
            }
            float[] trained = copy.trainingLogits(probe, null, 1, seq);
            LlamaTrainingTest.assertClose(trained, 0, LlamaTrainingTest.inferenceLogits(copy, probe, 0, seq), 0, seq * vocab,
                    1e-4, fixture + " after training");
            double moved = 0;
            for (int i = 0; i < trained.length; i++) moved = Math.max(moved, Math.abs(trained[i] - original[i]));
            assertThat(moved).as("training moved the copy").isGreaterThan(1e-3);
            LlamaTrainingTest.assertClose(LlamaTrainingTest.inferenceLogits(loaded, probe, 0, seq), 0, original, 0,
                    seq * vocab, 1e-5, fixture + " original untouched");
        }
    }
}

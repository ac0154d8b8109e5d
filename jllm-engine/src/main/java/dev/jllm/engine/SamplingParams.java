package dev.jllm.engine;

/**
 * How the next token is chosen. Defaults match llama.cpp/vLLM's common defaults except that
 * penalties are off.
 *
 * @param temperature       0 = greedy (argmax); otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (ties with the k-th kept); 0 = off
 * @param topP              nucleus: keep the smallest top set whose probability reaches p; 1 = off
 * @param minP              drop tokens below minP x the top token's probability; 0 = off
 * @param repetitionPenalty CTRL-style: a seen token's logit is divided (if > 0) or multiplied
 *                          (if < 0) by it; 1 = off
 * @param frequencyPenalty  OpenAI-style: minus count x this for each seen token; 0 = off
 * @param presencePenalty   OpenAI-style: minus this once for each seen token; 0 = off
 * @param seed              RNG seed: the same seed and inputs give the same tokens
 */
public record SamplingParams(float temperature, int topK, float topP, float minP,
                             float repetitionPenalty, float frequencyPenalty, float presencePenalty, long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0 and finite, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (!Float.isFinite(frequencyPenalty) || !Float.isFinite(presencePenalty)) throw new IllegalArgumentException("penalties must be finite");
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0L);
    }

    public static SamplingParams defaults(long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, seed);
    }

    public boolean isGreedy() { return temperature == 0f; }
}

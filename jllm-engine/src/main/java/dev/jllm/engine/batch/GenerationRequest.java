package dev.jllm.engine.batch;

import dev.jllm.engine.SamplingParams;

import java.util.List;

/**
 * What one client asks the engine for. Build with {@link #of} and the {@code with...} methods.
 *
 * @param promptIds   the prompt, already tokenized (BOS and chat template applied by the caller)
 * @param sampling    how tokens are chosen (the seed makes a request reproducible whatever else runs beside it)
 * @param maxTokens   most tokens to generate (also capped by the engine's context length)
 * @param stops       stop strings: generation ends where one appears; it is not part of the output
 * @param stopIds     token ids that end generation (EOS/EOT); not part of the output
 * @param mask        per-step restriction of the next token (constrained decoding), or null
 * @param logprobs    whether each {@link TokenEvent} carries the token's log-probability
 * @param topLogprobs how many most likely alternatives each event carries (0..20)
 */
public record GenerationRequest(int[] promptIds, SamplingParams sampling, int maxTokens, List<String> stops, int[] stopIds,
                                TokenMask mask, boolean logprobs, int topLogprobs) {
    /** Most top log-probabilities per token (OpenAI's limit). */
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one token");
        if (sampling == null) throw new IllegalArgumentException("sampling params are missing");
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + maxTokens);
        stops = stops == null ? List.of() : List.copyOf(stops);
        for (String s : stops) if (s.isEmpty()) throw new IllegalArgumentException("a stop string is empty");
        stopIds = stopIds == null ? new int[0] : stopIds.clone();
        promptIds = promptIds.clone();
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("top logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
        }
    }

    public static GenerationRequest of(int[] promptIds, SamplingParams sampling, int maxTokens) {
        return new GenerationRequest(promptIds, sampling, maxTokens, List.of(), new int[0], null, false, 0);
    }

    public GenerationRequest withStops(List<String> s) {
        return new GenerationRequest(promptIds, sampling, maxTokens, s, stopIds, mask, logprobs, topLogprobs);
    }

    public GenerationRequest withStopIds(int... ids) {
        return new GenerationRequest(promptIds, sampling, maxTokens, stops, ids, mask, logprobs, topLogprobs);
    }

    public GenerationRequest withMask(TokenMask m) {
        return new GenerationRequest(promptIds, sampling, maxTokens, stops, stopIds, m, logprobs, topLogprobs);
    }

    /** Asks for each token's log-probability and {@code top} alternatives. */
    public GenerationRequest withLogprobs(int top) {
        return new GenerationRequest(promptIds, sampling, maxTokens, stops, stopIds, mask, true, top);
    }
}

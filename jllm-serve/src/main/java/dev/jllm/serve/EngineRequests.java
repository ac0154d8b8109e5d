package dev.jllm.serve;

import dev.jllm.engine.SamplingParams;
import dev.jllm.engine.batch.GenerationRequest;
import dev.jllm.engine.batch.TokenMask;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Turns one API request's options into the engine requests of its choices. */
final class EngineRequests {
    private EngineRequests() {}

    /**
     * {@code count} requests for one prompt. Choice {@code i} samples with seed {@code seed + i}
     * (so n > 1 gives different choices, and the same request with the same seed gives the same ones).
     *
     * @param masks per-choice token mask (constrained decoding; a mask keeps state, so one each), or null
     */
    static List<GenerationRequest> forPrompt(int[] promptIds, int maxTokens, GenerationOptions o, int[] endIds, int count,
                                             long seed, IntFunction<TokenMask> masks) {
        List<GenerationRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SamplingParams sp = new SamplingParams(o.temperature(), o.topK(), o.topP(), o.minP(), o.repetitionPenalty(),
                    o.frequencyPenalty(), o.presencePenalty(), seed + i);
            GenerationRequest r = GenerationRequest.of(promptIds, sp, maxTokens).withStops(o.stops())
                    .withStopIds(o.ignoreEos() ? new int[0] : endIds);
            if (masks != null) r = r.withMask(masks.apply(i));
            if (o.logprobs()) r = r.withLogprobs(o.topLogprobs());
            out.add(r);
        }
        return out;
    }

    static long seed(GenerationOptions o) {
        return o.seed() != null ? o.seed() : ResponseIds.randomSeed();
    }
}

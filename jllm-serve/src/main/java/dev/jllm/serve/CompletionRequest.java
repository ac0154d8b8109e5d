package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed POST /v1/completions body. {@code prompt} is a string, an array of strings, an array
 * of token ids or an array of token-id arrays; each prompt yields {@code n} choices, indexed
 * {@code promptIndex * n + i} as OpenAI numbers them.
 *
 * @param prompts each prompt as text (tokenized by the server) or as token ids
 * @param bestOf  candidates generated per prompt; the {@code n} with the highest mean token log-probability are returned
 */
record CompletionRequest(String model, List<Prompt> prompts, GenerationOptions options, boolean echo, int bestOf) {

    /** One prompt: exactly one of {@code text} and {@code ids} is set. */
    record Prompt(String text, int[] ids) {}

    static CompletionRequest parse(JsonNode body) {
        String model = JsonFields.requiredString(body, null, "model");
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) throw ApiException.invalid("prompt", "'prompt' is required");
        List<Prompt> prompts = new ArrayList<>();
        if (p.isTextual()) {
            prompts.add(new Prompt(p.asText(), null));
        } else if (p.isArray()) {
            if (p.isEmpty()) throw ApiException.invalid("prompt", "'prompt' must not be an empty array");
            if (p.get(0).isIntegralNumber()) {
                prompts.add(new Prompt(null, ids(p, "prompt")));
            } else {
                for (int i = 0; i < p.size(); i++) {
                    JsonNode e = p.get(i);
                    if (e.isTextual()) prompts.add(new Prompt(e.asText(), null));
                    else if (e.isArray()) prompts.add(new Prompt(null, ids(e, "prompt[" + i + "]")));
                    else throw JsonFields.wrongType(null, "prompt[" + i + "]", "a string or an array of token ids", e);
                }
            }
        } else {
            throw JsonFields.wrongType(null, "prompt", "a string, an array of strings or an array of token ids", p);
        }
        GenerationOptions opts = GenerationOptions.parse(body, List.of("max_tokens"), false);
        if (opts.maxTokens() == null && !body.has("max_tokens")) {
            // OpenAI's legacy endpoint defaults to 16 tokens.
            opts = new GenerationOptions(opts.n(), 16, opts.temperature(), opts.topP(), opts.topK(), opts.minP(),
                    opts.repetitionPenalty(), opts.presencePenalty(), opts.frequencyPenalty(), opts.seed(), opts.stops(),
                    opts.logprobs(), opts.topLogprobs(), opts.stream(), opts.includeUsage(), opts.ignoreEos());
        }
        boolean echo = JsonFields.bool(body, null, "echo", false);
        String suffix = JsonFields.optString(body, null, "suffix");
        if (suffix != null && !suffix.isEmpty()) {
            throw ApiException.invalid("suffix", "'suffix' asks for fill-in-the-middle insertion, which the served model was not trained for; leave it out");
        }
        Integer bestOf = JsonFields.optInt(body, null, "best_of", 1, GenerationOptions.MAX_N);
        int best = bestOf == null ? opts.n() : bestOf;
        if (best < opts.n()) throw ApiException.invalid("best_of", "'best_of' (" + best + ") must be at least 'n' (" + opts.n() + ")");
        if (best > opts.n() && opts.stream()) throw ApiException.invalid("best_of", "'best_of' greater than 'n' cannot be streamed");
        if (echo && opts.logprobs()) {
            // OpenAI would score the echoed prompt too; this server reports log-probabilities of generated tokens only.
            throw ApiException.invalid("echo", "'echo' together with 'logprobs' asks for prompt log-probabilities, which this "
                    + "server does not compute; use one or the other");
        }
        return new CompletionRequest(model, prompts, opts, echo, best);
    }

    private static int[] ids(JsonNode arr, String where) {
        if (arr.isEmpty()) throw ApiException.invalid(where, "'" + where + "' must not be empty");
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = arr.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt() || e.asInt() < 0) {
                throw JsonFields.wrongType(null, where + "[" + i + "]", "a token id (a non-negative integer)", e);
            }
            out[i] = e.asInt();
        }
        return out;
    }
}

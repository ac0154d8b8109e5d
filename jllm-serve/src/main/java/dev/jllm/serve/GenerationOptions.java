package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The sampling and output fields shared by /v1/chat/completions and /v1/completions, checked
 * against OpenAI's documented ranges. {@code top_k}, {@code min_p} and
 * {@code repetition_penalty} are accepted as extensions (vLLM and llama.cpp accept them too).
 *
 * @param maxTokens    null when the client gave none: the server fills the rest of the context, up to its --max-tokens
 * @param seed         null: a fresh seed per request
 * @param topLogprobs  alternatives per position (0 with logprobs on = only the chosen token)
 * @param ignoreEos    extension (as vLLM): keep generating past end-of-sequence ids, for benchmarks
 */
record GenerationOptions(int n, Integer maxTokens, float temperature, float topP, int topK, float minP,
                         float repetitionPenalty, float presencePenalty, float frequencyPenalty, Long seed,
                         List<String> stops, boolean logprobs, int topLogprobs, boolean stream, boolean includeUsage,
                         boolean ignoreEos) {

    static final int MAX_N = 16;
    static final int MAX_STOPS = 4;
    static final int MAX_TOP_LOGPROBS = 20;

    /**
     * Reads the shared fields. {@code maxTokenFields} lists the names the token limit may come
     * under, the first present wins (chat: max_completion_tokens, then the older max_tokens).
     */
    static GenerationOptions parse(JsonNode body, List<String> maxTokenFields, boolean chatLogprobs) {
        Integer n = JsonFields.optInt(body, null, "n", 1, MAX_N);
        Integer maxTokens = null;
        for (String f : maxTokenFields) {
            Integer m = JsonFields.optInt(body, null, f, 1, Integer.MAX_VALUE);
            if (m != null) { maxTokens = m; break; }
        }
        Double temperature = JsonFields.optNumber(body, null, "temperature", 0, 2);
        Double topP = JsonFields.optNumber(body, null, "top_p", 0, 1);
        if (topP != null && topP == 0) throw ApiException.invalid("top_p", "'top_p' must be greater than 0, got 0");
        Integer topK = JsonFields.optInt(body, null, "top_k", -1, Integer.MAX_VALUE);
        Double minP = JsonFields.optNumber(body, null, "min_p", 0, 1);
        Double rep = JsonFields.optNumber(body, null, "repetition_penalty", 0, 10);
        if (rep != null && rep == 0) throw ApiException.invalid("repetition_penalty", "'repetition_penalty' must be greater than 0, got 0");
        Double presence = JsonFields.optNumber(body, null, "presence_penalty", -2, 2);
        Double frequency = JsonFields.optNumber(body, null, "frequency_penalty", -2, 2);
        Long seed = JsonFields.optLong(body, null, "seed");
        List<String> stops = JsonFields.stops(body, MAX_STOPS);
        boolean logprobs;
        int top;
        if (chatLogprobs) {
            // Chat: logprobs is a boolean, top_logprobs the number of alternatives and needs logprobs.
            logprobs = JsonFields.bool(body, null, "logprobs", false);
            Integer t = JsonFields.optInt(body, null, "top_logprobs", 0, MAX_TOP_LOGPROBS);
            if (t != null && !logprobs) throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs' set to true");
            top = t == null ? 0 : t;
        } else {
            // Legacy completions: logprobs is the number of alternatives (0..5), absent = off.
            Integer t = JsonFields.optInt(body, null, "logprobs", 0, 5);
            logprobs = t != null;
            top = t == null ? 0 : t;
        }
        boolean stream = JsonFields.bool(body, null, "stream", false);
        JsonNode so = JsonFields.optObject(body, null, "stream_options");
        boolean includeUsage = false;
        if (so != null) {
            if (!stream) throw ApiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
            includeUsage = JsonFields.bool(so, "stream_options", "include_usage", false);
        }
        boolean ignoreEos = JsonFields.bool(body, null, "ignore_eos", false);
        return new GenerationOptions(n == null ? 1 : n, maxTokens,
                temperature == null ? 1f : temperature.floatValue(), topP == null ? 1f : topP.floatValue(),
                topK == null || topK < 0 ? 0 : topK, minP == null ? 0f : minP.floatValue(),
                rep == null ? 1f : rep.floatValue(), presence == null ? 0f : presence.floatValue(),
                frequency == null ? 0f : frequency.floatValue(), seed, stops, logprobs, top, stream, includeUsage, ignoreEos);
    }
}

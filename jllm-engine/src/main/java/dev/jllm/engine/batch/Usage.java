package dev.jllm.engine.batch;

/**
 * Token counts of one request.
 *
 * @param promptTokens       tokens in the prompt
 * @param completionTokens   tokens generated (stop ids not counted)
 * @param cachedPromptTokens prompt tokens whose KV came from the prefix cache (not recomputed)
 */
public record Usage(int promptTokens, int completionTokens, int cachedPromptTokens) {
    public int totalTokens() { return promptTokens + completionTokens; }
}

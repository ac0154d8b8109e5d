package dev.jllm.engine.batch;

/** One of the most likely tokens at a step and its log-probability. */
public record TopLogprob(int tokenId, float logprob) {}

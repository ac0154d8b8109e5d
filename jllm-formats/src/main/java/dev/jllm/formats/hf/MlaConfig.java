package dev.jllm.formats.hf;

/**
 * Multi-head latent attention fields (DeepSeek-V2/V3): low-rank KV and Q projections and the
 * split of each head into a rotary and a non-rotary part. {@code qLoraRank} is null when
 * queries are not compressed.
 */
public record MlaConfig(int kvLoraRank, Integer qLoraRank, int qkRopeHeadDim, int qkNopeHeadDim, int vHeadDim) {}

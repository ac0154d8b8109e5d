package dev.jllm.formats.hf;

/**
 * Mixture-of-experts fields of a Hugging Face config (Mixtral, Qwen-MoE, DeepSeek...).
 * {@code numExperts} is {@code num_local_experts}, {@code num_experts} or {@code n_routed_experts};
 * absent optional fields are null.
 */
public record MoeConfig(int numExperts, int numExpertsPerTok, Integer moeIntermediateSize, Integer nSharedExperts,
                        Integer nRoutedExperts, Double routedScalingFactor, Integer firstKDenseReplace,
                        String scoringFunc, String topkMethod, Boolean normTopkProb) {}

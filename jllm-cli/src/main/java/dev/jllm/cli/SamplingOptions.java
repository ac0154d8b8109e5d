package dev.jllm.cli;

import dev.jllm.engine.SamplingParams;
import picocli.CommandLine.Option;

/** The sampling flags shared by {@code generate} and {@code chat} (a picocli mixin). */
final class SamplingOptions {
    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "1 = off (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "0 = off (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "CTRL-style repetition penalty, 1 = off.")
    float repeatPenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "OpenAI-style, 0 = off.")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "OpenAI-style, 0 = off.")
    float presencePenalty;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed: same seed, same output (default: ${DEFAULT-VALUE}).")
    long seed;

    SamplingParams params() {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty, seed);
    }
}

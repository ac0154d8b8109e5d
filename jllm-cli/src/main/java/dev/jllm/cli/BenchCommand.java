package dev.jllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jllm bench ...}: measurements on this machine. Each target is a subcommand. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure speed on this machine (kernels, tokenizer, models).",
        subcommands = {BenchKernelsCommand.class, BenchTokenizerCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

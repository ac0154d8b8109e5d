package dev.jllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jllm} command. Each subcommand is a class of its own in this package. */
@Command(name = "jllm",
        mixinStandardHelpOptions = true,
        versionProvider = VersionInfo.class,
        description = "A pure-Java LLM stack: run, train, serve and evaluate language models on the CPU.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                GenerateCommand.class,
                ChatCommand.class,
                ScoreCommand.class,
                LogitsCommand.class,
                TokenizeCommand.class,
                InspectCommand.class,
                TrainTokenizerCommand.class,
                EmbedCommand.class,
                ConvertCommand.class,
                QuantizeCommand.class,
                IndexCommand.class,
                SearchCommand.class,
                ServeCommand.class,
                TrainCommand.class,
                ExportCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("jllm: the JVM was started without the Vector API; add "
                    + "'--add-modules jdk.incubator.vector' (the ./jllm launcher does this for you).");
            System.exit(2);
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Command descriptions are written as lines of up to ~110 characters; a narrower width
        // would re-wrap them mid-sentence.
        cl.setUsageHelpWidth(116);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof IllegalStateException) {
                cmd.getErr().println("jllm: " + ex.getMessage());
                if (System.getenv("JLLM_DEBUG") != null) ex.printStackTrace(cmd.getErr());
                return 1;
            }
            throw ex;
        });
        return cl;
    }
}

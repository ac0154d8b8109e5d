package dev.jllm.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    private static String run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        cl.execute(args);
        return out.toString();
    }

    @Test
    void helpListsCommands() {
        String help = run("--help");
        assertThat(help).contains("Usage: jllm").contains("bench");
    }

    @Test
    void everyCommandHasHelp() {
        CommandLine cl = Main.commandLine();
        assertHelp(cl);
    }

    private static void assertHelp(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandName().equals("help")) continue;
            assertThat(sub.getCommandSpec().mixinStandardHelpOptions())
                    .as("'%s' has --help", sub.getCommandName()).isTrue();
            assertThat(sub.getCommandSpec().usageMessage().description())
                    .as("'%s' has a description", sub.getCommandName()).isNotEmpty();
            assertHelp(sub);
        }
    }

    @Test
    void versionNamesTheKernelPath() {
        String v = run("--version");
        assertThat(v).contains("jllm").contains("kernels:").contains("threads");
    }

    @Test
    void withoutTheVectorModuleTheUserGetsOneLineNotAStackTrace() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--version")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out.strip()).contains("--add-modules jdk.incubator.vector").doesNotContain("Exception");
        assertThat(out.strip().lines().count()).isEqualTo(1);
    }
}

package dev.jllm.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Clients outside the JVM against a live server: the openai npm package streaming a chat, and
 * the web chat page in headless Chromium (tools/serve). The npm packages are installed with
 * {@code npm ci} from tools/serve's lock file when node_modules is missing; the checks are
 * skipped, saying why, only where node/npm or /usr/bin/chromium are not installed.
 */
class NodeClientsTest {
    static final Path TOOLS = Path.of("../tools/serve").toAbsolutePath().normalize();
    static ServerFixture fx;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "node/npm are not on PATH: skipping the openai-npm and browser checks");
        if (!Files.isDirectory(TOOLS.resolve("node_modules/openai")) || !Files.isDirectory(TOOLS.resolve("node_modules/playwright-core"))) {
            // The lock file pins the versions; a failure here (no registry) fails the test rather than hiding it.
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300);
        }
        fx = ServerFixture.start();
    }

    @AfterAll
    static void stop() {
        if (fx != null) fx.close();
    }

    static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) if (Files.isExecutable(Path.of(dir, exe))) return true;
        return false;
    }

    /** Runs a command in tools/serve; its output goes through a file so a chatty command cannot fill a pipe and stall. */
    static String run(List<String> cmd, int timeoutS) throws IOException, InterruptedException {
        Path log = Files.createTempFile("jllm-node-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(TOOLS.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean finished = p.waitFor(timeoutS, TimeUnit.SECONDS);
            if (!finished) p.destroyForcibly().waitFor();
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (!finished) throw new AssertionError(cmd + " did not finish in " + timeoutS + " s:\n" + out);
            assertThat(p.exitValue()).as(cmd + ":\n" + out).isZero();
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void openaiNpmClientStreamsAChat() throws Exception {
        String out = run(List.of("node", "stream-chat.mjs", fx.url(), ServerFixture.MODEL), 120);
        assertThat(out).contains("\"ok\":true");
    }

    @Test
    void webChatStreamsInHeadlessChromium() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "/usr/bin/chromium is missing (apt-get install -y chromium): skipping the browser check");
        Path shot = Path.of("target/web-chat.png").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of("node", "web-chat.mjs", fx.url(), shot.toString()));
        String out = run(cmd, 240);
        assertThat(out).contains("\"ok\":true");
        assertThat(Files.size(shot)).isGreaterThan(1000);
    }
}

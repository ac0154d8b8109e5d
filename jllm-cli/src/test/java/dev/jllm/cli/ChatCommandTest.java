package dev.jllm.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ChatCommandTest {
    static final String MODEL = "../jllm-models/src/test/resources/models/llama-tiny/model.gguf";

    @Test
    void pipedStdinGetsOneReplyLinePerMessageAndHonoursResetAndExit() {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream("Hello\nAgain\n/reset\nHello\n/exit\nnever read\n".getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Main.commandLine().execute("chat", "-m", MODEL, "-n", "5", "--temperature", "0", "--stats");
            assertThat(rc).isZero();
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String[] stats = err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("[")).toArray(String[]::new);
        assertThat(stats).hasSize(3);
        assertThat(stats[0]).contains(" 0 from cache");
        assertThat(stats[1]).doesNotContain(" 0 from cache"); // the second turn reuses the first
        assertThat(stats[2]).contains(" 0 from cache");        // after /reset nothing is reused
        String[] replies = out.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertThat(replies[0]).isEqualTo(replies[2]); // same greedy reply to the same first message
    }

    @Test
    void withoutAModelAndWithoutTheDefaultFileTheErrorSaysWhatToDo() {
        String old = System.getProperty("jllm.home");
        System.setProperty("jllm.home", "/nonexistent-jllm-home");
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            var cl = Main.commandLine();
            cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
            int rc = cl.execute("score", "--text", "hello world");
            assertThat(rc).isEqualTo(1);
        } finally {
            if (old == null) System.clearProperty("jllm.home"); else System.setProperty("jllm.home", old);
            System.setErr(oldErr);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("pass -m");
    }
}

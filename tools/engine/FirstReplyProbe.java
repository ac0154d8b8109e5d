// The first reply of a fresh JVM on jllm's own model, with and without a warm-up before it:
// loads the model, runs Warmup for WAIT_MS (0 = none, like piped input), then replies greedily.
// Usage (after ./jllm has built the jar), one JVM per pause:
//   for w in 0 1000 2000 4000; do /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
//     -cp jllm-cli/target/jllm.jar tools/engine/FirstReplyProbe.java $w 2>/dev/null; done
import dev.jllm.engine.*;
import java.nio.file.Path;
public class FirstReplyProbe {
    public static void main(String[] a) throws Exception {
        long waitMs = Long.parseLong(a[0]);
        try (LoadedModel lm = LoadedModel.open(Path.of("models/jllm-brown-small.gguf"))) {
            ChatSession chat = new ChatSession(lm, null, SamplingParams.greedy(), 64, 4096, ChatSession.defaultStops(lm), dev.jllm.tensor.DType.F32);
            int tokens = 0;
            if (waitMs > 0) {
                Warmup w = Warmup.start(lm.model(), dev.jllm.tensor.DType.F32);
                Thread.sleep(waitMs);
                tokens = w.tokensRun();
                long t = System.nanoTime(); w.close(); System.out.printf("warm-up stopped in %.1f ms%n", (System.nanoTime() - t) / 1e6);
            }
            var r = chat.reply("Tell me about the river.", s -> {});
            var st = r.stats();
            System.out.printf("wait %d ms, warm-up tokens %d: ttft %.1f ms, decode %.1f tok/s over %d tokens%n", waitMs, tokens, st.ttftMs(), st.decodeTps(), st.generatedTokens());
        }
    }
}

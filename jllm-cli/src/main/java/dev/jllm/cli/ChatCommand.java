package dev.jllm.cli;

import dev.jllm.engine.ChatSession;
import dev.jllm.engine.Generator;
import dev.jllm.engine.Warmup;
import dev.jllm.engine.LoadedModel;
import dev.jllm.tensor.kernel.Simd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "chat",
        header = "Talk with a model, turn by turn, through its own chat template.",
        mixinStandardHelpOptions = true,
        description = {"Talk with a model, turn by turn, through the model's own chat template (ChatML when the file",
                "has none). Earlier turns stay in the KV cache, so each turn only computes its new tokens.",
                "Type /reset to forget the conversation, /exit (or end of input) to quit. Reads piped stdin too:",
                "  printf 'Hello\\n/reset\\nHi again\\n' | jllm chat",
                "Without -m it runs jllm's own model, pretrained on the Brown Corpus."})
final class ChatCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "A .gguf file or a Hugging Face directory (default: jllm's own model, " + DefaultModel.RELATIVE + ").")
    Path model;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt for the conversation.")
    String system;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Most tokens per reply (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--ctx", defaultValue = "4096", description = "Tokens the conversation may hold, capped by the model's context (default: ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--stop", paramLabel = "TEXT", description = {"End a reply when this text appears (repeatable). Default: none for",
            "templates with end-of-turn tokens; a blank line for plain 'User:/Assistant:' templates (jllm's own models)."})
    java.util.List<String> stops;

    @Option(names = "--no-warmup", description = "Do not run the model on throwaway tokens while the first message is typed"
            + " (the warm-up lets the JIT compile the kernels so the first reply starts fast).")
    boolean noWarmup;

    @Option(names = "--stats", description = "Print tokens and tok/s after each reply (on stderr).")
    boolean stats;

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Mixin
    KvTypeOption kv = new KvTypeOption();

    @Override
    public Integer call() throws Exception {
        boolean interactive = System.console() != null;
        PrintStream out = System.out, err = System.err;
        try (LoadedModel lm = LoadedModel.open(DefaultModel.resolve(model))) {
            ChatSession chat = new ChatSession(lm, system, sampling.params(), maxTokens, ctx,
                    stops != null ? stops : ChatSession.defaultStops(lm), kv.kvType);
            if (interactive) {
                err.println(Simd.describe());
                err.println("jllm chat with " + lm.name() + (lm.ownTemplate() ? "" : " (no template in the file: ChatML)")
                        + ". /reset forgets, /exit quits.");
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            // While the first line is being typed, let the JIT compile the kernels (piped input has no such pause).
            Warmup warmup = interactive && !noWarmup ? Warmup.start(lm.model(), kv.kvType) : null;
            while (true) {
                if (interactive) { out.print("> "); out.flush(); }
                String line = in.readLine();
                if (warmup != null) { warmup.close(); warmup = null; }
                if (line == null) break;
                String text = line.strip();
                if (text.isEmpty()) continue;
                if (text.equals("/exit") || text.equals("/quit")) break;
                if (text.equals("/reset")) {
                    chat.reset();
                    if (interactive) err.println("(conversation cleared)");
                    continue;
                }
                Generator.Result r;
                try {
                    r = chat.reply(text, s -> { out.print(s); out.flush(); });
                } catch (IllegalStateException e) {
                    err.println("jllm: " + e.getMessage());
                    continue;
                }
                out.println();
                if (chat.lastDroppedTurns() > 0 && (interactive || stats)) {
                    err.printf("(%d earlier turn%s dropped to fit the context)%n", chat.lastDroppedTurns(),
                            chat.lastDroppedTurns() == 1 ? "" : "s");
                }
                if (stats) {
                    Generator.Stats st = r.stats();
                    err.printf("[%d prompt tokens, %d from cache; %d generated; prefill %.1f tok/s, decode %.1f tok/s]%n",
                            st.promptTokens(), chat.lastReusedTokens(), st.generatedTokens(), st.prefillTps(), st.decodeTps());
                }
            }
        }
        return 0;
    }
}

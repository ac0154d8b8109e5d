package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.Generator;
import dev.jllm.engine.SamplingParams;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tensor.kernel.Simd;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "generate",
        mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a model, streaming the text as it is produced; then print prompt and",
                "generated token counts, time to first token, prefill and decode tok/s (on stderr).",
                "Models: llama-architecture .gguf files (the tokenizer inside the file is used).",
                "Example: jllm generate -m model.gguf -p \"Once upon a time\" -n 64 --temperature 0"})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL", description = "A .gguf model file.")
    Path model;

    @Option(names = {"-p", "--prompt"}, description = "The prompt text.")
    String prompt;

    @Option(names = "--prompt-tokens", split = ",", paramLabel = "ID", description = "The prompt as token ids (instead of -p).")
    int[] promptTokens;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

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

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text appears (repeatable); it is not printed.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--truncate", description = "Keep the tail of a prompt that is too long for the context instead of failing.")
    boolean truncate;

    @Option(names = "--json", description = "Print one JSON object at the end instead of streaming.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptTokens == null)) throw new IllegalArgumentException("give exactly one of -p TEXT or --prompt-tokens IDS");
        if (!Files.isRegularFile(model)) throw new IllegalArgumentException("model file not found: " + model);
        PrintStream err = System.err;
        err.println(Simd.describe());
        try (GgufFile g = GgufFile.open(model)) {
            Llama m = Llama.fromGguf(g);
            Tokenizer tok = Tokenizers.fromGgufMetadata(g.metadata());
            int[] ids = promptTokens != null ? promptTokens : tok.encode(prompt, true, true);
            SamplingParams sp = new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty, seed);
            PrintStream out = System.out; // UTF-8: the launcher sets stdout.encoding
            Generator.Result r = new Generator(m, tok).generate(
                    new Generator.Request(ids, maxTokens, sp, stops, endIds(tok), truncate),
                    json ? s -> { } : s -> { out.print(s); out.flush(); });
            Generator.Stats st = r.stats();
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.set("prompt_ids", om.valueToTree(r.promptIds()));
                o.set("ids", om.valueToTree(r.ids()));
                o.put("text", r.text());
                o.put("finish_reason", r.finishReason().name().toLowerCase());
                o.putObject("stats").put("ttft_ms", st.ttftMs()).put("prefill_tps", st.prefillTps()).put("decode_tps", st.decodeTps())
                        .put("prompt_tokens", st.promptTokens()).put("generated_tokens", st.generatedTokens());
                out.println(om.writeValueAsString(o));
            } else {
                out.println();
                err.printf("prompt %d tokens, generated %d (%s); ttft %.0f ms, prefill %.1f tok/s, decode %.1f tok/s%n",
                        st.promptTokens(), st.generatedTokens(), r.finishReason().name().toLowerCase(), st.ttftMs(),
                        st.prefillTps(), st.decodeTps());
            }
        }
        return 0;
    }

    /** EOS plus the end-of-turn markers of the common chat formats, where the vocabulary has them. */
    static int[] endIds(Tokenizer tok) {
        List<Integer> ids = new ArrayList<>();
        if (tok.eosId() >= 0) ids.add(tok.eosId());
        for (String p : List.of("<|eot_id|>", "<|im_end|>", "<|end_of_text|>", "<end_of_turn>", "</s>", "<|endoftext|>")) {
            int id = tok.id(p);
            if (id >= 0 && !ids.contains(id)) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}

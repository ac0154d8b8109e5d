package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.Generator;
import dev.jllm.engine.SamplingParams;
import dev.jllm.engine.LoadedModel;
import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.constrain.NextTokenMask;
import dev.jllm.engine.constrain.TokenMasks;
import dev.jllm.engine.constrain.VocabularyIndex;
import dev.jllm.tensor.kernel.Simd;
import dev.jllm.tokenizer.Tokenizer;
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
        header = "Continue a prompt with a model, streaming the text; then print the speed.",
        mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a model, streaming the text as it is produced; then print prompt and",
                "generated token counts, time to first token, prefill and decode tok/s (on stderr).",
                "Models: .gguf files (the tokenizer inside is used) or Hugging Face directories; without -m, jllm's own model.",
                "Example: jllm generate -m model.gguf -p \"Once upon a time\" -n 64 --temperature 0"})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A .gguf file or a Hugging Face directory (default: jllm's own model, " + DefaultModel.RELATIVE + ").")
    Path model;

    @Option(names = {"-p", "--prompt"}, description = "The prompt text.")
    String prompt;

    @Option(names = "--prompt-tokens", split = ",", paramLabel = "ID", description = "The prompt as token ids (instead of -p).")
    int[] promptTokens;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @picocli.CommandLine.Mixin
    SamplingOptions sampling = new SamplingOptions();

    @picocli.CommandLine.Mixin
    KvTypeOption kv = new KvTypeOption();

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text appears (repeatable); it is not printed.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--truncate", description = "Keep the tail of a prompt that is too long for the context instead of failing.")
    boolean truncate;

    @Option(names = "--json", description = "Print one JSON object at the end instead of streaming.")
    boolean json;

    @Option(names = "--json-schema", paramLabel = "FILE", description = "Constrain the output to JSON that validates against this JSON Schema (see docs/structured-output.md).")
    Path jsonSchema;

    @Option(names = "--json-object", description = "Constrain the output to a JSON object.")
    boolean jsonObject;

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptTokens == null)) throw new IllegalArgumentException("give exactly one of -p TEXT or --prompt-tokens IDS");
        PrintStream err = System.err;
        err.println(Simd.describe());
        try (LoadedModel lm = LoadedModel.open(DefaultModel.resolve(model))) {
            Tokenizer tok = lm.tokenizer();
            int[] ids = promptTokens != null ? promptTokens : tok.encode(prompt, true, true);
            SamplingParams sp = sampling.params();
            NextTokenMask mask = constraint(tok, lm.endIds());
            PrintStream out = System.out; // UTF-8: the launcher sets stdout.encoding
            Generator.Result r = new Generator(lm.model(), tok, kv.kvType).generate(
                    new Generator.Request(ids, maxTokens, sp, stops, lm.endIds(), truncate), mask,
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

    /** The grammar mask of --json-schema / --json-object, or null. */
    private NextTokenMask constraint(Tokenizer tok, int[] endIds) throws java.io.IOException {
        if (jsonSchema != null && jsonObject) throw new IllegalArgumentException("give at most one of --json-schema and --json-object");
        JsonSchemaGrammar g;
        if (jsonSchema != null) {
            if (!Files.exists(jsonSchema)) throw new IllegalArgumentException("JSON Schema file not found: " + jsonSchema);
            try {
                g = JsonSchemaGrammar.compile(Files.readString(jsonSchema));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(jsonSchema + ": " + e.getMessage(), e);
            }
        } else if (jsonObject) {
            g = JsonSchemaGrammar.anyObject();
        } else {
            return null;
        }
        return new TokenMasks(g, VocabularyIndex.of(tok, endIds)).newConstraint();
    }
}

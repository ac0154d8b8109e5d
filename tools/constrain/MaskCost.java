import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.engine.Generator;
import dev.jllm.engine.LoadedModel;
import dev.jllm.engine.SamplingParams;
import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.constrain.NextTokenMask;
import dev.jllm.engine.constrain.TokenConstraint;
import dev.jllm.engine.constrain.TokenMasks;
import dev.jllm.engine.constrain.VocabularyIndex;
import dev.jllm.models.ModelLoader;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Cost of constrained decoding per generated token, measured inside a real generation loop
 * (single-file program; see docs/structured-output.md and tools/constrain/mask_cost.sh).
 *
 * <p>For each step it times the grammar's work ({@link TokenConstraint#restrict}: accept the last
 * token, look the allowed-token set up or compute it) and, separately, the rest of the step (the
 * logits masking, sampling and the model's forward pass). After warm-up runs (JIT), it measures
 * runs that each start with an empty mask cache (a schema's first request) and runs that share one
 * already used {@link TokenMasks} (the server keeps one per schema, so a repeated schema finds
 * the states it revisits cached). Every finished output is checked to parse as JSON.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp jllm-cli/target/jllm.jar tools/constrain/MaskCost.java \
 *      --model MODEL.gguf [--tokenizer tokenizer.json] --schema SCHEMA.json [--prompt TEXT] [-n 64] [--runs 3] [--warmup 3]
 * </pre>
 * {@code --tokenizer} replaces the model's own tokenizer (e.g. Llama 3's 128k vocabulary on a
 * random-weight Llama-3.2-1B-shaped file, which carries none); its size must not exceed the
 * model's output.
 */
public class MaskCost {
    public static void main(String[] args) throws Exception {
        Path model = null, tokenizer = null, schema = null;
        String prompt = "The farmer's name was";
        int n = 64, runs = 3, warmups = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--tokenizer" -> tokenizer = Path.of(args[++i]);
                case "--schema" -> schema = Path.of(args[++i]);
                case "--prompt" -> prompt = args[++i];
                case "-n" -> n = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmups = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: --model M.gguf [--tokenizer tokenizer.json] --schema S.json [--prompt TEXT] [-n N] [--runs R] [--warmup W])");
            }
        }
        if (model == null || schema == null) throw new IllegalArgumentException("--model and --schema are required");

        AutoCloseable closer;
        dev.jllm.models.CausalLM lm;
        Tokenizer tok;
        if (tokenizer == null) {
            LoadedModel l = LoadedModel.open(model);
            closer = l;
            lm = l.model();
            tok = l.tokenizer();
        } else {
            ModelLoader.Loaded l = ModelLoader.load(model);
            closer = l;
            lm = l.model();
            tok = Tokenizers.load(tokenizer);
            if (tok.vocabSize() > lm.vocabSize()) {
                throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize() + " tokens, the model's output " + lm.vocabSize());
            }
        }
        try (closer) {
            int[] endIds = LoadedModel.endIds(tok);
            JsonSchemaGrammar g = JsonSchemaGrammar.compile(Files.readString(schema));
            long t0 = System.nanoTime();
            VocabularyIndex vocab = VocabularyIndex.of(tok, endIds);
            long t1 = System.nanoTime();
            TokenMasks masks = new TokenMasks(g, vocab);
            System.out.printf("model %s, vocabulary %d tokens (index built once per tokenizer in %.0f ms), schema %s%n",
                    model.getFileName(), vocab.size(), (t1 - t0) / 1e6, schema.getFileName());
            int[] ids = tok.encode(prompt, true, true);
            Stats warmup = new Stats(), cold = new Stats(), warm = new Stats();
            for (int r = 0; r < warmups; r++) run(lm, tok, ids, n, endIds, new TokenMasks(g, vocab), 100 + r, warmup);
            for (int r = 0; r < runs; r++) run(lm, tok, ids, n, endIds, new TokenMasks(g, vocab), r, cold);
            TokenMasks shared = new TokenMasks(g, vocab);
            run(lm, tok, ids, n, endIds, shared, 1000, new Stats()); // fills the shared cache
            for (int r = 0; r < runs; r++) run(lm, tok, ids, n, endIds, shared, runs + r, warm);
            System.out.println("  example output: " + cold.first.replace("\n", "\\n"));
            cold.print("new schema (empty mask cache)");
            warm.print("repeated schema (shared mask cache)");
        }
    }

    /** Per-step samples over runs, in ns. */
    static final class Stats {
        final List<Long> grammar = new ArrayList<>(), apply = new ArrayList<>(), rest = new ArrayList<>();
        int outputs, parsed;
        String first;

        void print(String what) {
            System.out.printf("%s: %d runs, %d steps, %d/%d outputs complete and parse (the rest were cut off by -n)%n"
                            + "  grammar per step: median %.3f ms, p90 %.3f ms, max %.3f ms; logit masking median %.3f ms%n"
                            + "  rest of step (forward + sampling): median %.3f ms; grammar median / rest median = %.2f%%%n",
                    what, outputs, grammar.size(), parsed, outputs, q(grammar, 0.5), q(grammar, 0.9), q(grammar, 1.0),
                    q(apply, 0.5), q(rest, 0.5), 100 * q(grammar, 0.5) / q(rest, 0.5));
        }
    }

    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static void run(dev.jllm.models.CausalLM lm, Tokenizer tok, int[] ids, int n, int[] endIds, TokenMasks masks, long seed, Stats st) {
        TokenConstraint c = masks.newConstraint();
        long[] last = {0};
        float[] scratch = new float[lm.vocabSize()];
        NextTokenMask timed = (generated, count, allowed) -> {
            long a = System.nanoTime();
            if (last[0] != 0) st.rest.add(a - last[0]);
            c.restrict(generated, count, allowed);
            long b = System.nanoTime();
            NextTokenMask.applyTo(allowed, scratch); // what the loop does next, timed on a copy
            long e = System.nanoTime();
            st.grammar.add(b - a);
            st.apply.add(e - b);
            last[0] = System.nanoTime();
        };
        Generator.Result res = new Generator(lm, tok).generate(new Generator.Request(ids, n, SamplingParams.defaults(seed),
                List.of(), endIds, false), timed, s -> { });
        st.outputs++;
        if (st.first == null) st.first = res.text();
        try {
            STRICT.readTree(res.text());
            st.parsed++;
        } catch (Exception ex) {
            if (!res.finishReason().name().equals("LENGTH")) throw new AssertionError("finished output does not parse: " + res.text());
        }
    }

    /** The q-quantile of nanosecond samples, in ms. */
    static double q(List<Long> ns, double q) {
        if (ns.isEmpty()) return Double.NaN;
        long[] a = ns.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a[(int) Math.min(a.length - 1, Math.floor(q * a.length))] / 1e6;
    }
}

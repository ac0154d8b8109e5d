package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.LoadedModel;
import dev.jllm.models.ModelState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "score",
        header = "Per-token log-probabilities and the perplexity of a text under a model.",
        mixinStandardHelpOptions = true,
        description = {"Score a text with a model: the log-probability of every token given the ones before it, and",
                "the perplexity exp(-mean log p). The first token has no context and is not scored.",
                "A text longer than the context is scored in sliding windows with --stride (Hugging Face's recipe): each",
                "window holds up to a context of tokens, starts STRIDE after the previous one and scores only the tokens",
                "the previous window did not, each with the rest of its window before it as context.",
                "Example: jllm score -m model.gguf --file essay.txt --stride 512 --json"})
final class ScoreCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A .gguf file or a Hugging Face directory (default: jllm's own model, " + DefaultModel.RELATIVE + ").")
    Path model;

    @Option(names = "--text", description = "The text to score.")
    String text;

    @Option(names = "--file", description = "A UTF-8 file to score.")
    Path file;

    @picocli.CommandLine.Mixin
    KvTypeOption kv = new KvTypeOption();

    @Option(names = "--stride", paramLabel = "N", description = "Score a text longer than the context in windows that "
            + "move by N tokens (1..context; smaller: more context per token, more compute; = context: disjoint chunks, "
            + "whose first tokens go unscored).")
    Integer stride;

    @Option(names = "--json", description = "JSON output: {\"ids\":[…], \"logprobs\":[…], \"perplexity\":…}; "
            + "with --stride also \"windows\" and \"scored\", and null for a token no window scored.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((text == null) == (file == null)) throw new IllegalArgumentException("give exactly one of --text or --file");
        String input = text != null ? text : Files.readString(file);
        try (LoadedModel lm = LoadedModel.open(DefaultModel.resolve(model))) {
            int[] ids = lm.tokenizer().encode(input, true, false);
            if (ids.length < 2) throw new IllegalArgumentException("the text has " + ids.length + " token(s); scoring needs at least 2");
            int ctx = lm.model().contextLength();
            if (stride != null && (stride < 1 || stride > ctx)) {
                throw new IllegalArgumentException("--stride must be between 1 and the context of " + ctx + ", got " + stride);
            }
            if (ids.length > ctx && stride == null) {
                throw new IllegalArgumentException("the text has " + ids.length + " tokens, more than the model's context of " + ctx
                        + "; score it in sliding windows with --stride (e.g. --stride " + Math.max(1, ctx / 2) + ")");
            }
            int v = lm.model().vocabSize();
            double[] logprobs = new double[ids.length - 1];
            java.util.Arrays.fill(logprobs, Double.NaN);
            double nll = 0;
            int scored = 0, windows = 0, step = stride != null ? stride : ctx;
            for (int begin = 0, prevEnd = 0; prevEnd < ids.length; begin += step) {
                int end = Math.min(begin + ctx, ids.length), n = end - begin;
                ModelState state = lm.model().newState(n, kv.kvType);
                float[] logits = new float[n * v];
                lm.model().forward(ids, begin, n, state, logits, true);
                windows++;
                for (int t = Math.max(prevEnd, begin + 1); t < end; t++) { // target t, predicted at t - 1
                    logprobs[t - 1] = logSoftmaxAt(logits, (t - 1 - begin) * v, v, ids[t]);
                    nll -= logprobs[t - 1];
                    scored++;
                }
                prevEnd = end;
            }
            double ppl = Math.exp(nll / scored);
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.set("ids", om.valueToTree(ids));
                var lp = o.putArray("logprobs");
                for (double x : logprobs) {
                    if (Double.isNaN(x)) lp.addNull(); else lp.add(x);
                }
                o.put("perplexity", ppl);
                if (stride != null) o.put("windows", windows).put("scored", scored);
                System.out.println(om.writeValueAsString(o));
            } else {
                for (int t = 0; t < logprobs.length; t++) {
                    if (Double.isNaN(logprobs[t])) continue;
                    System.out.printf("%6d %-20s %9.4f%n", ids[t + 1], '"' + lm.tokenizer().decode(new int[] {ids[t + 1]}) + '"', logprobs[t]);
                }
                System.out.printf("%d tokens scored%s, perplexity %.4f%n", scored,
                        windows > 1 ? " in " + windows + " windows of up to " + ctx : "", ppl);
            }
        }
        return 0;
    }

    /** log softmax(row)[target], in double for a stable sum. */
    static double logSoftmaxAt(float[] row, int off, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, row[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(row[off + i] - max);
        return row[off + target] - max - Math.log(sum);
    }
}

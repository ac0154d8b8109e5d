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
                "Example: jllm score -m model.gguf --file essay.txt --json"})
final class ScoreCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A .gguf file or a Hugging Face directory (default: jllm's own model, " + DefaultModel.RELATIVE + ").")
    Path model;

    @Option(names = "--text", description = "The text to score.")
    String text;

    @Option(names = "--file", description = "A UTF-8 file to score.")
    Path file;

    @picocli.CommandLine.Mixin
    KvTypeOption kv = new KvTypeOption();

    @Option(names = "--json", description = "JSON output: {\"ids\":[…], \"logprobs\":[…], \"perplexity\":…}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((text == null) == (file == null)) throw new IllegalArgumentException("give exactly one of --text or --file");
        String input = text != null ? text : Files.readString(file);
        try (LoadedModel lm = LoadedModel.open(DefaultModel.resolve(model))) {
            int[] ids = lm.tokenizer().encode(input, true, false);
            if (ids.length < 2) throw new IllegalArgumentException("the text has " + ids.length + " token(s); scoring needs at least 2");
            int ctx = lm.model().contextLength();
            if (ids.length > ctx) throw new IllegalArgumentException("the text has " + ids.length + " tokens, more than the model's context of " + ctx);
            int v = lm.model().vocabSize();
            ModelState state = lm.model().newState(ids.length, kv.kvType);
            float[] logits = new float[ids.length * v];
            lm.model().forward(ids, 0, ids.length, state, logits, true);
            double[] logprobs = new double[ids.length - 1];
            double nll = 0;
            for (int t = 0; t + 1 < ids.length; t++) {
                logprobs[t] = logSoftmaxAt(logits, t * v, v, ids[t + 1]);
                nll -= logprobs[t];
            }
            double ppl = Math.exp(nll / logprobs.length);
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.set("ids", om.valueToTree(ids));
                o.set("logprobs", om.valueToTree(logprobs));
                o.put("perplexity", ppl);
                System.out.println(om.writeValueAsString(o));
            } else {
                for (int t = 0; t < logprobs.length; t++) {
                    System.out.printf("%6d %-20s %9.4f%n", ids[t + 1], '"' + lm.tokenizer().decode(new int[] {ids[t + 1]}) + '"', logprobs[t]);
                }
                System.out.printf("%d tokens scored, perplexity %.4f%n", logprobs.length, ppl);
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

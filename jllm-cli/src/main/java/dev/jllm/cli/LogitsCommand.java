package dev.jllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.LoadedModel;
import dev.jllm.models.ModelState;
import dev.jllm.tensor.kernel.Reduce;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "logits",
        header = "Print the top-K next-token logits at every position of a token sequence.",
        mixinStandardHelpOptions = true,
        description = {"Run token ids through a model and print, for each position, the top-K next-token ids with",
                "their logits (--full adds the whole logit vector of the last position). This is the",
                "interface correctness checks compare against other implementations.",
                "Example: jllm logits -m model.gguf --tokens 1,2,3 --top 5 --json"})
final class LogitsCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "A .gguf file or a Hugging Face directory (default: jllm's own model, " + DefaultModel.RELATIVE + ").")
    Path model;

    @Option(names = "--tokens", required = true, split = ",", paramLabel = "ID", description = "Token ids, comma-separated.")
    int[] tokens;

    @Option(names = "--top", defaultValue = "5", description = "Entries per position (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--full", description = "Also print every logit of the last position.")
    boolean full;

    @Option(names = "--json", description = "JSON output: {\"tokens\", \"positions\":[{\"top\":[{\"id\",\"logit\"}]}], \"last_logits\"}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (top < 1) throw new IllegalArgumentException("--top must be at least 1");
        try (LoadedModel lm = LoadedModel.open(DefaultModel.resolve(model))) {
            int v = lm.model().vocabSize();
            ModelState kv = lm.model().newState(tokens.length);
            float[] logits = new float[tokens.length * v];
            lm.model().forward(tokens, 0, tokens.length, kv, logits, true);
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.set("tokens", om.valueToTree(tokens));
            ArrayNode positions = o.putArray("positions");
            int k = Math.min(top, v);
            for (int t = 0; t < tokens.length; t++) {
                Reduce.TopK best = Reduce.topK(logits, t * v, v, k);
                int[] ids = best.indices();
                float[] vals = best.values();
                ArrayNode topArr = positions.addObject().putArray("top");
                for (int i = 0; i < k; i++) topArr.addObject().put("id", ids[i]).put("logit", vals[i]);
                if (!json) {
                    StringBuilder sb = new StringBuilder("pos " + t + " (" + tokens[t] + "):");
                    for (int i = 0; i < k; i++) sb.append(String.format(" %d=%.4f", ids[i], vals[i]));
                    System.out.println(sb);
                }
            }
            if (full) o.set("last_logits", om.valueToTree(java.util.Arrays.copyOfRange(logits, (tokens.length - 1) * v, tokens.length * v)));
            if (json) System.out.println(om.writeValueAsString(o));
        }
        return 0;
    }
}

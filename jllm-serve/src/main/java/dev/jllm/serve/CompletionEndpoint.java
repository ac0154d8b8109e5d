package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.FinishReason;
import dev.jllm.engine.batch.GenerationRequest;
import dev.jllm.engine.batch.TokenEvent;
import dev.jllm.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * POST /v1/completions (OpenAI's legacy text completions): raw prompts, no chat template.
 * Each prompt gets {@code best_of} candidates; the {@code n} with the highest mean token
 * log-probability are returned, numbered {@code prompt * n + i}.
 */
final class CompletionEndpoint {
    private final ServedModel served;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final ObjectMapper json;

    CompletionEndpoint(ServedModel served, ServerConfig config, ServerMetrics metrics, ObjectMapper json) {
        this.served = served;
        this.config = config;
        this.metrics = metrics;
        this.json = json;
    }

    void handle(JsonNode body, ResponseStream.Factory responses) throws ClientGoneException, InterruptedException {
        CompletionRequest r = CompletionRequest.parse(body);
        OpenAiServer.checkModel(r.model(), served.name());
        GenerationOptions o = r.options();
        Tokenizer tok = served.tokenizer();
        boolean ranking = r.bestOf() > o.n();
        int per = r.bestOf();
        List<int[]> prompts = new ArrayList<>();
        List<String> promptTexts = new ArrayList<>();
        List<GenerationRequest> reqs = new ArrayList<>();
        long seed = EngineRequests.seed(o);
        // best_of ranks by log-probability, so the engine must report it even if the client did not ask.
        GenerationOptions engineOpts = ranking && !o.logprobs()
                ? new GenerationOptions(o.n(), o.maxTokens(), o.temperature(), o.topP(), o.topK(), o.minP(), o.repetitionPenalty(),
                        o.presencePenalty(), o.frequencyPenalty(), o.seed(), o.stops(), true, 0, o.stream(), o.includeUsage(), o.ignoreEos())
                : o;
        for (int p = 0; p < r.prompts().size(); p++) {
            CompletionRequest.Prompt pr = r.prompts().get(p);
            String field = r.prompts().size() == 1 ? "prompt" : "prompt[" + p + "]";
            int[] ids = pr.ids() != null ? pr.ids() : tok.encode(pr.text(), true, true);
            if (ids.length == 0) throw ApiException.invalid(field, "'" + field + "' is empty: give at least one token");
            for (int id : ids) {
                if (id >= tok.vocabSize()) throw ApiException.invalid(field, "'" + field + "' has token id " + id
                        + ", outside the vocabulary of " + tok.vocabSize());
            }
            int maxTokens = GenerationBudget.maxTokens(ids.length, o.maxTokens(), served.contextLength(), config.maxTokens(), "prompt", "max_tokens");
            prompts.add(ids);
            promptTexts.add(pr.text() != null ? pr.text() : tok.decode(ids, false));
            reqs.addAll(EngineRequests.forPrompt(ids, maxTokens, engineOpts, served.endIds(), per, seed + (long) p * per, null));
        }
        int total = reqs.size();
        StringBuilder[] texts = new StringBuilder[total];
        TokenText.Legacy[] lps = new TokenText.Legacy[total];
        double[] lpSum = new double[total];
        for (int i = 0; i < total; i++) {
            texts[i] = new StringBuilder();
            int prompt = i / per;
            lps[i] = new TokenText.Legacy(r.echo() ? promptTexts.get(prompt).length() : 0);
        }
        Completion[] done = new Completion[total];
        try (ChoiceRun run = OpenAiServer.submit(served.engine(), reqs, metrics)) {
            String id = ResponseIds.next("cmpl-", 24);
            long created = System.currentTimeMillis() / 1000;
            ResponseStream out = responses.open(o.stream());
            if (o.stream() && r.echo()) {
                for (int i = 0; i < total; i++) out.event(chunk(id, created, o, i, promptTexts.get(i / per), null, null));
            }
            EventPump.run(run, out, config.heartbeatMs(), new EventPump.Sink() {
                @Override
                public void token(int choice, TokenEvent e) throws ClientGoneException {
                    texts[choice].append(e.text());
                    if (engineOpts.logprobs()) {
                        lps[choice].add(tok, e);
                        lpSum[choice] += e.logprob();
                    }
                    if (o.stream() && (!e.text().isEmpty() || o.logprobs())) {
                        TokenText.Legacy one = null;
                        if (o.logprobs()) {
                            one = new TokenText.Legacy(0);
                            one.add(tok, e);
                        }
                        out.event(chunk(id, created, o, choice, e.text(), one, null));
                    }
                }

                @Override
                public void done(int choice, Completion c) throws ClientGoneException {
                    done[choice] = c;
                    texts[choice].append(c.tailText());
                    if (!o.stream()) return;
                    if (c.reason() == FinishReason.ERROR) {
                        out.event(ErrorBody.of("generation failed: " + c.error(), "server_error", null, null));
                        return;
                    }
                    if (!c.tailText().isEmpty()) out.event(chunk(id, created, o, choice, c.tailText(), null, null));
                    out.event(chunk(id, created, o, choice, "", null, finish(c)));
                }
            });
            int promptTokens = 0;
            for (int[] p : prompts) promptTokens += p.length;
            int completionTokens = 0;
            for (Completion c : done) completionTokens += c.usage().completionTokens();
            ObjectNode usage = json.createObjectNode().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                    .put("total_tokens", promptTokens + completionTokens);
            if (o.stream()) {
                if (o.includeUsage()) {
                    ObjectNode u = base(id, created, o);
                    u.putArray("choices");
                    u.set("usage", usage);
                    out.event(u);
                }
                out.done();
                return;
            }
            for (Completion c : done) {
                if (c.reason() == FinishReason.ERROR) throw new ApiException(500, "server_error", null, null, "generation failed: " + c.error());
            }
            ObjectNode resp = json.createObjectNode();
            resp.put("id", id).put("object", "text_completion").put("created", created).put("model", served.name());
            resp.putNull("system_fingerprint");
            ArrayNode choices = resp.putArray("choices");
            for (int p = 0; p < prompts.size(); p++) {
                List<Integer> picked = new ArrayList<>();
                for (int k = 0; k < per; k++) picked.add(p * per + k);
                if (ranking) {
                    // OpenAI's best_of: the candidates with the highest log-probability per token.
                    picked.sort(Comparator.comparingDouble(i -> -lpSum[i] / Math.max(1, done[i].usage().completionTokens())));
                    picked = picked.subList(0, o.n());
                }
                for (int k = 0; k < picked.size(); k++) {
                    int i = picked.get(k);
                    ObjectNode ch = choices.addObject();
                    ch.put("text", (r.echo() ? promptTexts.get(p) : "") + texts[i]);
                    ch.put("index", p * o.n() + k);
                    if (o.logprobs()) ch.set("logprobs", lps[i].json()); else ch.putNull("logprobs");
                    ch.put("finish_reason", finish(done[i]));
                }
            }
            resp.set("usage", usage);
            out.body(resp);
        }
    }

    private static String finish(Completion c) {
        return c.reason() == FinishReason.LENGTH ? "length" : "stop";
    }

    private ObjectNode base(String id, long created, GenerationOptions o) {
        ObjectNode c = json.createObjectNode();
        c.put("id", id).put("object", "text_completion").put("created", created).put("model", served.name());
        c.putNull("system_fingerprint");
        if (o.includeUsage()) c.putNull("usage");
        return c;
    }

    private ObjectNode chunk(String id, long created, GenerationOptions o, int index, String text, TokenText.Legacy lp, String finish) {
        ObjectNode c = base(id, created, o);
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("text", text).put("index", index);
        if (lp == null) ch.putNull("logprobs"); else ch.set("logprobs", lp.json());
        if (finish == null) ch.putNull("finish_reason"); else ch.put("finish_reason", finish);
        return c;
    }
}

package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.FinishReason;
import dev.jllm.engine.batch.TokenEvent;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.chat.TemplateException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * POST /v1/chat/completions: renders the conversation with the model's chat template, runs
 * {@code n} choices on the engine and answers with a {@code chat.completion} object or a
 * stream of {@code chat.completion.chunk} events.
 */
final class ChatEndpoint {
    private final ServedModel served;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final ObjectMapper json;
    private final ConstraintCache constraints;
    private final ToolCallFormat toolFormat;

    ChatEndpoint(ServedModel served, ServerConfig config, ServerMetrics metrics, ObjectMapper json) {
        this.constraints = new ConstraintCache(served.tokenizer(), served.endIds());
        this.toolFormat = new ToolCallFormat();
        this.served = served;
        this.config = config;
        this.metrics = metrics;
        this.json = json;
    }

    /** The prompt text the template makes of the request (add_generation_prompt on). */
    String render(ChatRequest r) {
        try {
            return served.chatTemplate().render(r.messages(), r.toolsEnabled() ? r.tools() : null, true, Map.of());
        } catch (TemplateException e) {
            // The template's own raise_exception (e.g. "roles must alternate") is the client's to fix.
            throw ApiException.invalid("messages", "the model's chat template rejected the conversation: " + e.getMessage());
        }
    }

    void handle(JsonNode body, ResponseStream.Factory responses) throws ClientGoneException, InterruptedException {
        ChatRequest r = ChatRequest.parse(body);
        OpenAiServer.checkModel(r.model(), served.name());
        GenerationOptions o = r.options();
        Tokenizer tok = served.tokenizer();
        int[] ids = tok.encode(render(r), false, true);
        String tokenField = body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = GenerationBudget.maxTokens(ids.length, o.maxTokens(), served.contextLength(), config.maxTokens(), "messages", tokenField);
        OutputFormat format = OutputFormat.of(r, constraints, toolFormat);
        ChatOutput[] outputs = new ChatOutput[o.n()];
        for (int i = 0; i < outputs.length; i++) outputs[i] = new ChatOutput(format.toolParser());
        long seed = EngineRequests.seed(o);
        try (ChoiceRun run = OpenAiServer.submit(served.engine(),
                EngineRequests.forPrompt(ids, maxTokens, o, served.endIds(), o.n(), seed, format.masks()), metrics)) {
            String id = ResponseIds.next("chatcmpl-", 24);
            long created = System.currentTimeMillis() / 1000;
            ResponseStream out = responses.open(o.stream());
            Completion[] done = new Completion[o.n()];
            if (o.stream()) {
                for (int i = 0; i < o.n(); i++) {
                    ObjectNode delta = json.createObjectNode().put("role", "assistant").put("content", "");
                    out.event(chunk(id, created, o, i, delta, null, null));
                }
            }
            EventPump.run(run, out, config.heartbeatMs(), new EventPump.Sink() {
                @Override
                public void token(int choice, TokenEvent e) throws ClientGoneException {
                    ChatOutput c = outputs[choice];
                    if (o.logprobs()) c.logprobs.add(TokenText.chatEntry(tok, e));
                    String visible = c.append(e.text());
                    if (o.stream() && (!visible.isEmpty() || o.logprobs())) {
                        ObjectNode lp = null;
                        if (o.logprobs()) {
                            lp = json.createObjectNode();
                            lp.putArray("content").addAll(c.drainLogprobs());
                        }
                        out.event(chunk(id, created, o, choice, json.createObjectNode().put("content", visible), lp, null));
                    }
                }

                @Override
                public void done(int choice, Completion comp) throws ClientGoneException {
                    done[choice] = comp;
                    ChatOutput c = outputs[choice];
                    String visible = c.append(comp.tailText());
                    String rest = c.finish();
                    if (!o.stream()) return;
                    if (comp.reason() == FinishReason.ERROR) {
                        out.event(ErrorBody.of("generation failed: " + comp.error(), "server_error", null, null));
                        return;
                    }
                    String text = visible + rest;
                    if (!text.isEmpty() || (o.logprobs() && c.hasPendingLogprobs())) {
                        ObjectNode lp = null;
                        if (o.logprobs()) {
                            lp = json.createObjectNode();
                            lp.putArray("content").addAll(c.drainLogprobs());
                        }
                        out.event(chunk(id, created, o, choice, json.createObjectNode().put("content", text), lp, null));
                    }
                    if (!c.calls().isEmpty()) {
                        ObjectNode delta = json.createObjectNode();
                        delta.set("tool_calls", toolCallsJson(c.calls(), true));
                        out.event(chunk(id, created, o, choice, delta, null, null));
                    }
                    out.event(chunk(id, created, o, choice, json.createObjectNode(), null, finishReason(comp, c)));
                }
            });
            Completion first = done[0];
            for (Completion c : done) {
                if (c.reason() == FinishReason.ERROR && !o.stream()) {
                    throw new ApiException(500, "server_error", null, null, "generation failed: " + c.error());
                }
            }
            ObjectNode usage = usage(first.usage().promptTokens(), done);
            if (o.stream()) {
                if (o.includeUsage()) {
                    ObjectNode u = chunkBase(id, created, o);
                    u.putArray("choices");
                    u.set("usage", usage);
                    out.event(u);
                }
                out.done();
            } else {
                ObjectNode resp = json.createObjectNode();
                resp.put("id", id).put("object", "chat.completion").put("created", created).put("model", served.name());
                resp.putNull("system_fingerprint");
                ArrayNode choices = resp.putArray("choices");
                for (int i = 0; i < done.length; i++) {
                    ChatOutput c = outputs[i];
                    ObjectNode ch = choices.addObject().put("index", i);
                    ObjectNode msg = ch.putObject("message").put("role", "assistant");
                    String content = c.content();
                    if (content.isEmpty() && !c.calls().isEmpty()) msg.putNull("content"); else msg.put("content", content);
                    msg.putNull("refusal");
                    if (!c.calls().isEmpty()) msg.set("tool_calls", toolCallsJson(c.calls(), false));
                    if (o.logprobs()) ch.putObject("logprobs").putArray("content").addAll(c.allLogprobs());
                    else ch.putNull("logprobs");
                    ch.put("finish_reason", finishReason(done[i], c));
                }
                resp.set("usage", usage);
                out.body(resp);
            }
        }
    }

    private static String finishReason(Completion comp, ChatOutput c) {
        if (!c.calls().isEmpty()) return "tool_calls";
        return comp.reason() == FinishReason.LENGTH ? "length" : "stop";
    }

    private ArrayNode toolCallsJson(List<ParsedToolCall> calls, boolean streaming) {
        ArrayNode arr = json.createArrayNode();
        for (int i = 0; i < calls.size(); i++) {
            ParsedToolCall tc = calls.get(i);
            ObjectNode o = arr.addObject();
            if (streaming) o.put("index", i);
            o.put("id", tc.id()).put("type", "function");
            o.putObject("function").put("name", tc.name()).put("arguments", tc.arguments());
        }
        return arr;
    }

    private ObjectNode chunkBase(String id, long created, GenerationOptions o) {
        ObjectNode c = json.createObjectNode();
        c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", served.name());
        c.putNull("system_fingerprint");
        if (o.includeUsage()) c.putNull("usage");
        return c;
    }

    private ObjectNode chunk(String id, long created, GenerationOptions o, int index, ObjectNode delta, ObjectNode logprobs,
                             String finish) {
        ObjectNode c = chunkBase(id, created, o);
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("index", index);
        ch.set("delta", delta);
        if (logprobs == null) ch.putNull("logprobs"); else ch.set("logprobs", logprobs);
        if (finish == null) ch.putNull("finish_reason"); else ch.put("finish_reason", finish);
        return c;
    }

    private ObjectNode usage(int promptTokens, Completion[] done) {
        int completion = 0, cached = Integer.MAX_VALUE;
        for (Completion c : done) {
            completion += c.usage().completionTokens();
            cached = Math.min(cached, c.usage().cachedPromptTokens());
        }
        ObjectNode u = json.createObjectNode();
        u.put("prompt_tokens", promptTokens).put("completion_tokens", completion).put("total_tokens", promptTokens + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached == Integer.MAX_VALUE ? 0 : cached);
        return u;
    }

    /** One choice's text as it streams: visible content, and tool calls pulled out of it. */
    static final class ChatOutput {
        private final ToolCallSplitter tools;
        private final StringBuilder content = new StringBuilder();
        private final List<ObjectNode> logprobs = new ArrayList<>();
        private int logprobsSent;
        private List<ParsedToolCall> calls = List.of();

        ChatOutput(ToolCallSplitter tools) { this.tools = tools; }

        /** Adds generated text; returns the part that is plain content and safe to show now. */
        String append(String text) {
            String visible = tools == null ? text : tools.append(text);
            content.append(visible);
            return visible;
        }

        /** Ends the choice; returns content that was held back and turned out not to be a tool call. */
        String finish() {
            if (tools == null) return "";
            ToolCallSplitter.Result r = tools.finish();
            content.append(r.content());
            calls = r.calls();
            return r.content();
        }

        String content() { return content.toString(); }

        List<ParsedToolCall> calls() { return calls; }

        boolean hasPendingLogprobs() { return logprobsSent < logprobs.size(); }

        List<ObjectNode> drainLogprobs() {
            List<ObjectNode> out = List.copyOf(logprobs.subList(logprobsSent, logprobs.size()));
            logprobsSent = logprobs.size();
            return out;
        }

        List<ObjectNode> allLogprobs() { return logprobs; }
    }
}

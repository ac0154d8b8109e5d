package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.FinishReason;
import dev.jllm.engine.batch.TokenEvent;
import dev.jllm.engine.tools.StreamingToolCallParser;
import dev.jllm.engine.tools.ToolCall;
import dev.jllm.engine.tools.ToolCallEvent;
import dev.jllm.engine.tools.ToolCallParser;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.chat.TemplateException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * POST /v1/chat/completions: renders the conversation with the model's chat template, runs
 * {@code n} choices on the engine and answers with a {@code chat.completion} object or a
 * stream of {@code chat.completion.chunk} events. With tools, each choice's text goes through a
 * streaming tool-call parser: content streams as {@code content} deltas, calls as
 * {@code tool_calls} deltas (name first, then argument pieces), as OpenAI streams them.
 */
final class ChatEndpoint {
    private final ServedModel served;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final ObjectMapper json;
    private final ConstraintCache constraints;
    private final ToolCalling tools;

    ChatEndpoint(ServedModel served, ServerConfig config, ServerMetrics metrics, ObjectMapper json) {
        this.served = served;
        this.config = config;
        this.metrics = metrics;
        this.json = json;
        this.constraints = new ConstraintCache(served.tokenizer(), served.endIds());
        this.tools = new ToolCalling(served.chatTemplate().source());
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
        OutputFormat format = OutputFormat.of(r, constraints, tools);
        ChatOutput[] outputs = new ChatOutput[o.n()];
        for (int i = 0; i < outputs.length; i++) outputs[i] = new ChatOutput(format.toolParser());
        long seed = EngineRequests.seed(o);
        try (ChoiceRun run = OpenAiServer.submit(served.engine(),
                EngineRequests.forPrompt(ids, maxTokens, o, served.endIds(), o.n(), seed, format.masks()), metrics)) {
            String id = ResponseIds.next("chatcmpl-", 24);
            long created = System.currentTimeMillis() / 1000;
            ResponseStream out = responses.open(o.stream());
            Completion[] done = new Completion[o.n()];
            Chunks chunks = new Chunks(id, created, o);
            if (o.stream()) {
                for (int i = 0; i < o.n(); i++) out.event(chunks.of(i, json.createObjectNode().put("role", "assistant").put("content", ""), null, null));
            }
            EventPump.run(run, out, config.heartbeatMs(), new EventPump.Sink() {
                @Override
                public void token(int choice, TokenEvent e) throws ClientGoneException {
                    ChatOutput c = outputs[choice];
                    ObjectNode lp = null;
                    if (o.logprobs()) {
                        ObjectNode entry = TokenText.chatEntry(tok, e);
                        c.logprobs.add(entry);
                        lp = json.createObjectNode();
                        lp.putArray("content").add(entry);
                    }
                    List<ObjectNode> deltas = c.append(e.text());
                    if (!o.stream()) return;
                    if (deltas.isEmpty() && lp != null) deltas = List.of(json.createObjectNode().put("content", ""));
                    for (ObjectNode d : deltas) {
                        out.event(chunks.of(choice, d, lp, null));
                        lp = null; // a token's log-probability goes with its first delta
                    }
                }

                @Override
                public void done(int choice, Completion comp) throws ClientGoneException {
                    done[choice] = comp;
                    ChatOutput c = outputs[choice];
                    List<ObjectNode> deltas = new ArrayList<>(c.append(comp.tailText()));
                    deltas.addAll(c.finish());
                    if (!o.stream()) return;
                    if (comp.reason() == FinishReason.ERROR) {
                        out.event(ErrorBody.of("generation failed: " + comp.error(), "server_error", null, null));
                        return;
                    }
                    for (ObjectNode d : deltas) out.event(chunks.of(choice, d, null, null));
                    out.event(chunks.of(choice, json.createObjectNode(), null, finishReason(comp, c)));
                }
            });
            if (!o.stream()) {
                for (Completion c : done) {
                    if (c.reason() == FinishReason.ERROR) throw new ApiException(500, "server_error", null, null, "generation failed: " + c.error());
                }
            }
            ObjectNode usage = usage(done[0].usage().promptTokens(), done);
            if (o.stream()) {
                if (o.includeUsage()) {
                    ObjectNode u = chunks.base();
                    u.putArray("choices");
                    u.set("usage", usage);
                    out.event(u);
                }
                out.done();
                return;
            }
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
                if (!c.calls().isEmpty()) msg.set("tool_calls", toolCallsJson(c.calls()));
                if (o.logprobs()) ch.putObject("logprobs").putArray("content").addAll(c.logprobs);
                else ch.putNull("logprobs");
                ch.put("finish_reason", finishReason(done[i], c));
            }
            resp.set("usage", usage);
            out.body(resp);
        }
    }

    private static String finishReason(Completion comp, ChatOutput c) {
        // A call cut off by max_tokens has incomplete arguments: say so, as OpenAI does.
        if (comp.reason() == FinishReason.LENGTH) return "length";
        return c.calls().isEmpty() ? "stop" : "tool_calls";
    }

    private ArrayNode toolCallsJson(List<ToolCall> calls) {
        ArrayNode arr = json.createArrayNode();
        for (ToolCall tc : calls) {
            ObjectNode o = arr.addObject();
            o.put("id", tc.id()).put("type", "function");
            o.putObject("function").put("name", tc.name()).put("arguments", tc.argumentsJson());
        }
        return arr;
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

    /** {@code chat.completion.chunk} objects of one response. */
    private final class Chunks {
        private final String id;
        private final long created;
        private final GenerationOptions o;

        Chunks(String id, long created, GenerationOptions o) {
            this.id = id;
            this.created = created;
            this.o = o;
        }

        ObjectNode base() {
            ObjectNode c = json.createObjectNode();
            c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", served.name());
            c.putNull("system_fingerprint");
            if (o.includeUsage()) c.putNull("usage"); // OpenAI: null on every chunk but the last
            return c;
        }

        ObjectNode of(int index, ObjectNode delta, ObjectNode logprobs, String finish) {
            ObjectNode c = base();
            ObjectNode ch = c.putArray("choices").addObject();
            ch.put("index", index);
            ch.set("delta", delta);
            if (logprobs == null) ch.putNull("logprobs"); else ch.set("logprobs", logprobs);
            if (finish == null) ch.putNull("finish_reason"); else ch.put("finish_reason", finish);
            return c;
        }
    }

    /** One choice as it streams: its content and tool calls, and the deltas that carry them. */
    final class ChatOutput {
        private final StreamingToolCallParser parser;
        private final List<ToolCallEvent> events = new ArrayList<>();
        final List<ObjectNode> logprobs = new ArrayList<>();
        private ToolCallParser.Parsed parsed;
        private final StringBuilder plain = new StringBuilder();

        ChatOutput(StreamingToolCallParser parser) { this.parser = parser; }

        /** Adds generated text; returns the deltas it makes clear. */
        List<ObjectNode> append(String text) {
            if (parser == null) {
                plain.append(text);
                return text.isEmpty() ? List.of() : List.of(json.createObjectNode().put("content", text));
            }
            return deltas(parser.feed(text));
        }

        /** Ends the choice; returns the deltas of what the parser held back. */
        List<ObjectNode> finish() {
            if (parser == null) return List.of();
            List<ObjectNode> d = deltas(parser.finish());
            parsed = ToolCallParser.collect(events);
            return d;
        }

        private List<ObjectNode> deltas(List<ToolCallEvent> evs) {
            events.addAll(evs);
            List<ObjectNode> out = new ArrayList<>();
            for (ToolCallEvent e : evs) {
                switch (e) {
                    case ToolCallEvent.Content c -> {
                        if (!c.text().isEmpty()) out.add(json.createObjectNode().put("content", c.text()));
                    }
                    case ToolCallEvent.CallStart s -> {
                        ObjectNode call = json.createObjectNode().put("index", s.index()).put("id", s.id()).put("type", "function");
                        call.putObject("function").put("name", s.name()).put("arguments", "");
                        ObjectNode d = json.createObjectNode();
                        d.putArray("tool_calls").add(call);
                        out.add(d);
                    }
                    case ToolCallEvent.ArgumentsDelta a -> {
                        if (a.json().isEmpty()) continue;
                        ObjectNode call = json.createObjectNode().put("index", a.index());
                        call.putObject("function").put("arguments", a.json());
                        ObjectNode d = json.createObjectNode();
                        d.putArray("tool_calls").add(call);
                        out.add(d);
                    }
                    case ToolCallEvent.CallEnd x -> { }
                }
            }
            return out;
        }

        String content() { return parser == null ? plain.toString() : parsed.content(); }

        List<ToolCall> calls() { return parser == null || parsed == null ? List.of() : parsed.calls(); }
    }
}

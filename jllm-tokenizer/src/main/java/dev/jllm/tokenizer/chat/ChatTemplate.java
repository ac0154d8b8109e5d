package dev.jllm.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.errorcategory.BasicTemplateErrorCategory;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.mode.ExecutionMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template (the Jinja {@code chat_template} of tokenizer_config.json, or
 * GGUF's {@code tokenizer.chat_template}) rendered the way transformers renders it: Jinja with
 * trim_blocks and lstrip_blocks, {@code raise_exception}, {@code strftime_now}, a {@code tojson}
 * that writes what Python's json.dumps writes, and the Python str/dict methods templates call.
 *
 * <p>The engine is jinjava; this class adds what Python Jinja has and jinjava lacks (see
 * docs/chat-templates.md). Errors are never swallowed: a syntax error, an unknown filter or
 * function, or the template's own {@code raise_exception} throws {@link TemplateException}.
 *
 * <pre>{@code
 * ChatTemplate t = new ChatTemplate(source, "<|begin_of_text|>", "<|eot_id|>");
 * String prompt = t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), true);
 * }</pre>
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String rewritten;
    private final String bosToken;
    private final String eosToken;
    private final Jinjava jinjava;
    /** One configured engine serves every template: jinjava is thread-safe and keeps no per-template state. */
    private static final Jinjava ENGINE = newEngine();

    /**
     * @param source   the Jinja template text
     * @param bosToken the text of the BOS token ({@code bos_token} in the template), or null
     * @param eosToken the text of the EOS token ({@code eos_token}), or null
     */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = Objects.requireNonNull(source, "source");
        this.rewritten = TemplateRewriter.rewrite(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = ENGINE;
        checkFiltersAndTests();
    }

    /** jinjava renders an unknown filter or test as nothing; Jinja fails, and so do we, naming it. */
    private void checkFiltersAndTests() {
        for (String[] use : TemplateRewriter.filtersAndTests(source)) {
            boolean known = use[0].equals("filter")
                    ? jinjava.getGlobalContext().getFilter(use[1]) != null
                    : jinjava.getGlobalContext().getExpTest(use[1]) != null;
            if (!known) {
                throw new TemplateException("chat template uses an unknown " + use[0] + " '" + use[1]
                        + "' (template line " + use[2] + ")", false);
            }
        }
    }

    /**
     * Reads {@code chat_template}, {@code bos_token} and {@code eos_token} from a tokenizer_config.json.
     * A list of named templates (the "default"/"tool_use" form) yields the one named "default".
     */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson) throws IOException {
        JsonNode root = JSON.readTree(Files.readString(tokenizerConfigJson));
        JsonNode t = root.get("chat_template");
        String name = tokenizerConfigJson.toString();
        if (t == null || t.isNull()) throw new IOException(name + ": no \"chat_template\" field");
        String source;
        if (t.isTextual()) {
            source = t.asText();
        } else if (t.isArray()) {
            source = null;
            for (JsonNode e : t) {
                if ("default".equals(e.path("name").asText())) source = e.path("template").asText(null);
            }
            if (source == null) throw new IOException(name + ": \"chat_template\" list has no template named \"default\"");
        } else {
            throw new IOException(name + ": \"chat_template\" must be a string or a list of {name, template}, found "
                    + t.getNodeType());
        }
        return new ChatTemplate(source, tokenText(root.get("bos_token")), tokenText(root.get("eos_token")));
    }

    /** A special token in tokenizer_config.json is either its text or an AddedToken object with "content". */
    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        JsonNode c = n.get("content");
        return c != null && c.isTextual() ? c.asText() : null;
    }

    /** The GGUF metadata key llama.cpp stores a model's template under. */
    public static final String GGUF_KEY = "tokenizer.chat_template";

    /**
     * ChatML ({@code <|im_start|>role\ncontent<|im_end|>}), the fallback for models that ship no
     * template of their own; jllm's own pretrained models use it too.
     */
    public static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /**
     * The template stored in GGUF metadata ({@link #GGUF_KEY}), or null when the file has none.
     *
     * @param bosToken text of the BOS token, or null; likewise {@code eosToken}
     */
    public static ChatTemplate fromGgufMetadata(Map<String, Object> kv, String bosToken, String eosToken) {
        Object t = kv.get(GGUF_KEY);
        if (t == null) return null;
        if (!(t instanceof String s)) {
            throw new IllegalArgumentException(GGUF_KEY + " must be a string, found " + t.getClass().getSimpleName());
        }
        return new ChatTemplate(s, bosToken, eosToken);
    }

    public String source() {
        return source;
    }

    /** Renders a conversation with no tools and no extra variables. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, null, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation.
     *
     * @param tools               tool (function) definitions in the OpenAI JSON-schema form, as Maps, Jackson
     *                            nodes or a JSON array string; null leaves {@code tools} undefined
     * @param addGenerationPrompt append the header that starts the assistant's reply
     * @param extra               more template variables, e.g. {@code enable_thinking=false} for Qwen3,
     *                            {@code date_string} for Llama 3.x
     */
    public String render(List<ChatMessage> messages, Object tools, boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> context = new LinkedHashMap<>();
        List<Object> msgs = new ArrayList<>();
        for (ChatMessage m : messages) msgs.add(m.toTemplateValue());
        context.put("messages", msgs);
        if (tools != null) context.put("tools", tools instanceof String json ? parseJson(json, "tools") : tools);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.putAll(extra);
        return renderContext(context);
    }

    /**
     * Renders with a raw context as transformers' {@code apply_chat_template} builds it (messages as
     * dicts, tools, add_generation_prompt, any kwargs). {@code bos_token} and {@code eos_token} are
     * added unless present.
     */
    public String renderContext(Map<String, ?> context) {
        return renderContext(context, ZonedDateTime::now);
    }

    /** As {@link #renderContext(Map)} with the clock {@code strftime_now} reads. */
    public String renderContext(Map<String, ?> context, Supplier<ZonedDateTime> clock) {
        Map<String, Object> bindings = new LinkedHashMap<>();
        if (bosToken != null) bindings.put("bos_token", bosToken);
        if (eosToken != null) bindings.put("eos_token", eosToken);
        for (Map.Entry<String, ?> e : context.entrySet()) bindings.put(e.getKey(), TemplateValues.toTemplate(e.getValue()));
        Supplier<ZonedDateTime> before = TemplateFunctions.CLOCK.get();
        TemplateFunctions.CLOCK.set(clock);
        RenderResult result;
        try {
            result = jinjava.renderForResult(rewritten, bindings);
        } finally {
            TemplateFunctions.CLOCK.set(before);
        }
        failOnErrors(result.getErrors());
        return result.getOutput();
    }

    private static Object parseJson(String json, String what) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** jinjava records problems instead of throwing; any of them means the output is not what Jinja would give. */
    private static void failOnErrors(List<TemplateError> errors) {
        // A missing attribute or key is Undefined in Jinja, not an error ("message.content.content is defined").
        if (Boolean.getBoolean("jllm.chat.debugErrors")) errors.forEach(e -> System.err.println("jinjava: " + e));
        errors = errors.stream().filter(e -> e.getCategory() != BasicTemplateErrorCategory.UNKNOWN_PROPERTY).toList();
        for (TemplateError e : errors) {
            Throwable raised = find(e.getException(), TemplateFunctions.Raised.class);
            if (raised != null) throw new TemplateException(raised.getMessage(), true);
        }
        for (TemplateError e : errors) {
            TemplateException ours = (TemplateException) find(e.getException(), TemplateException.class);
            if (ours != null) throw new TemplateException(ours.getMessage() + where(e), ours);
        }
        if (!errors.isEmpty()) {
            TemplateError e = errors.getFirst();
            String what = e.getItem() == null ? "error" : e.getItem().toString().toLowerCase(java.util.Locale.ROOT);
            throw new TemplateException("chat template " + what + ": " + e.getMessage() + where(e), e.getException());
        }
    }

    private static String where(TemplateError e) {
        return e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "";
    }

    private static Throwable find(Throwable t, Class<? extends Throwable> type) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (type.isInstance(t)) return t;
        }
        return null;
    }

    private static Jinjava newEngine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        LegacyOverrides python = LegacyOverrides.newBuilder()
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withAllowAdjacentTextNodes(true)
                .withUseTrimmingForNotesAndExpressions(true)
                .withKeepNullableLoopValues(true)
                .withHandleBackslashInQuotesOnly(true)
                .withDefaultKeepTrailingNewlineBehavior(false)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withNestedInterpretationEnabled(false)
                .withKeepTrailingNewline(true) // the rewriter already dropped the template's own trailing newline
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(100)
                .withFailOnUnknownTokens(false)
                .withLegacyOverrides(python)
                .withElResolver(resolver)
                .withExecutionMode(new ExecutionMode() {
                    @Override
                    public void prepareContext(Context context) {
                        context.setExpressionStrategy(new PythonOutput()); // print values as Python's str()
                    }
                })
                .build();
        Jinjava j = new Jinjava(config);
        for (Filter f : PythonFilters.all()) j.getGlobalContext().registerFilter(f);
        j.getGlobalContext().registerTag(new GenerationTag());
        try {
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    TemplateFunctions.class.getMethod("raiseException", Object.class)));
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    TemplateFunctions.class.getMethod("strftimeNow", String.class)));
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", TemplateRewriter.FUNCTION,
                    TemplateFunctions.class.getMethod("pySlice", Object.class, Object.class, Object.class, Object.class)));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        return j;
    }
}

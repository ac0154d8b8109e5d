package dev.jllm.engine;

import dev.jllm.models.ModelState;
import dev.jllm.tensor.DType;
import dev.jllm.tokenizer.chat.ChatMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A multi-turn conversation with one model: each turn renders the whole history through the
 * model's chat template, and the KV cache keeps what the previous turns already computed, so
 * only the tokens after the longest common prefix are prefilled.
 */
public final class ChatSession {
    private final LoadedModel model;
    private final String system;
    private final SamplingParams sampling;
    private final int maxTokens;
    private final List<String> stops;
    private final List<ChatMessage> history = new ArrayList<>();
    private final ModelState state;
    private int[] cachedIds = new int[0];
    private int lastReused;
    private int dropped;
    /** Reply tokens a turn must leave room for before older turns are dropped. */
    private static final int MIN_REPLY = 64;

    /**
     * @param system    system prompt, or null
     * @param maxTokens most tokens per reply
     * @param context   tokens the conversation may hold (capped by the model's context)
     */
    public ChatSession(LoadedModel model, String system, SamplingParams sampling, int maxTokens, int context) {
        this(model, system, sampling, maxTokens, context, defaultStops(model));
    }

    /** As above with explicit stop strings (they end a reply and are not part of it). */
    public ChatSession(LoadedModel model, String system, SamplingParams sampling, int maxTokens, int context, List<String> stops) {
        this(model, system, sampling, maxTokens, context, stops, DType.F32);
    }

    /** As above with the conversation's KV cache stored as {@code kvType} (F32, F16 or Q8_0). */
    public ChatSession(LoadedModel model, String system, SamplingParams sampling, int maxTokens, int context, List<String> stops,
                       DType kvType) {
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens per reply must be at least 1, got " + maxTokens);
        this.model = model;
        this.system = system;
        this.sampling = sampling;
        this.maxTokens = maxTokens;
        this.stops = List.copyOf(stops);
        this.state = model.model().newState(Math.min(context, model.model().contextLength()), kvType);
        reset();
    }

    /** Forgets the conversation (the system prompt stays). */
    public void reset() {
        history.clear();
        if (system != null && !system.isBlank()) history.add(ChatMessage.system(system));
        state.truncate(0);
        cachedIds = new int[0];
    }

    /**
     * Sends one user message, streams the reply's text to {@code onText}, and adds both to the
     * history. When the history no longer fits the context with room for a reply, the oldest
     * turns are dropped (the system prompt stays), as chat front ends do; a reply that would run
     * past the context is cut short (finish reason "length").
     */
    public Generator.Result reply(String userText, Consumer<String> onText) {
        int capacity = state.capacity();
        int room = Math.min(maxTokens, MIN_REPLY);
        dropped = 0;
        int[] prompt;
        while (true) {
            List<ChatMessage> next = new ArrayList<>(history);
            next.add(ChatMessage.user(userText));
            prompt = model.tokenizer().encode(model.chatTemplate().render(next, true), false, true);
            if (prompt.length + room <= capacity) break;
            int first = system != null && !system.isBlank() ? 1 : 0;
            if (history.size() <= first) {
                throw new IllegalStateException("this message needs " + prompt.length + " prompt tokens and at least "
                        + room + " for the reply, more than the " + capacity + " this chat holds; send a shorter message"
                        + (first == 1 ? " or a shorter --system prompt" : "") + ", or raise --ctx if the model allows");
            }
            // Oldest user turn and the assistant reply after it.
            history.remove(first);
            if (history.size() > first && history.get(first).role().equals("assistant")) history.remove(first);
            dropped++;
        }
        int common = commonPrefix(cachedIds, prompt);
        state.truncate(Math.min(common, state.length()));
        lastReused = state.length();
        int budget = Math.min(maxTokens, capacity - prompt.length);
        Generator.Result r = new Generator(model.model(), model.tokenizer()).generate(
                new Generator.Request(prompt, budget, sampling, stops, model.endIds(), false), state, onText);
        int[] all = Arrays.copyOf(prompt, prompt.length + r.ids().length);
        System.arraycopy(r.ids(), 0, all, prompt.length, r.ids().length);
        cachedIds = Arrays.copyOf(all, state.length());
        history.add(ChatMessage.user(userText));
        history.add(ChatMessage.assistant(r.text()));
        return r;
    }

    /** Earlier turns (user message and reply) the last {@link #reply} dropped to fit the context. */
    public int lastDroppedTurns() { return dropped; }

    /**
     * Stop strings a template implies: none when its turns are delimited by special tokens (the
     * model ends a turn with an end-of-turn id); a blank line when the roles are plain text
     * ("User: ..."), as in jllm's own base models, which never learned an end-of-turn token.
     */
    public static List<String> defaultStops(LoadedModel model) {
        String probe = model.chatTemplate().render(List.of(ChatMessage.user("x")), true);
        for (int id : model.tokenizer().encode(probe, false, true)) {
            if (model.tokenizer().isSpecial(id)) return List.of();
        }
        return List.of("\n\n");
    }

    /** Prompt tokens the last turn took from the cache instead of prefilling. */
    public int lastReusedTokens() { return lastReused; }

    /** The conversation so far (system, user and assistant messages). */
    public List<ChatMessage> history() { return List.copyOf(history); }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}

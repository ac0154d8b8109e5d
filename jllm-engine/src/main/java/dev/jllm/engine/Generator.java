package dev.jllm.engine;

import dev.jllm.engine.constrain.NextTokenMask;
import dev.jllm.models.CausalLM;
import dev.jllm.models.ModelState;
import dev.jllm.tensor.DType;
import dev.jllm.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The decode loop: batched prefill of the prompt, then one token at a time through the
 * {@link Sampler} until an end-of-sequence id, a stop string or the token limit. Text is
 * streamed through the tokenizer's streaming decoder, holding back any tail that could be
 * the start of a stop string so a stop string is never emitted.
 */
public final class Generator {
    /** Why generation ended, as OpenAI names it. */
    public enum FinishReason { STOP, LENGTH }

    public record Stats(int promptTokens, int generatedTokens, double ttftMs, double prefillTps, double decodeTps) {}

    public record Result(int[] promptIds, int[] ids, String text, FinishReason finishReason, Stats stats) {}

    /**
     * @param maxTokens  most tokens to generate
     * @param stops      stop strings (not included in the output)
     * @param stopIds    token ids that end generation (EOS/EOT), not included in the output
     * @param truncate   drop the oldest prompt tokens when prompt + maxTokens exceed the context,
     *                   instead of failing
     */
    public record Request(int[] promptIds, int maxTokens, SamplingParams sampling, List<String> stops, int[] stopIds,
                          boolean truncate) {}

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final DType kvType;

    public Generator(CausalLM model, Tokenizer tokenizer) {
        this(model, tokenizer, DType.F32);
    }

    /** @param kvType element type of the KV cache that {@link #generate(Request, NextTokenMask, Consumer)} creates (F32, F16 or Q8_0) */
    public Generator(CausalLM model, Tokenizer tokenizer, DType kvType) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.kvType = kvType;
    }

    public Result generate(Request req, Consumer<String> onText) {
        return generate(req, (NextTokenMask) null, onText);
    }

    /**
     * Like {@link #generate(Request, Consumer)}, with {@code mask} (null: none) restricting every next
     * token (constrained decoding, e.g. a {@link dev.jllm.engine.constrain.TokenConstraint}):
     * disallowed tokens get -inf logits before sampling.
     */
    public Result generate(Request req, NextTokenMask mask, Consumer<String> onText) {
        int[] prompt = req.promptIds();
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one token");
        if (req.maxTokens() < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + req.maxTokens());
        int ctx = model.contextLength();
        if (prompt.length + req.maxTokens() > ctx) {
            if (!req.truncate() || req.maxTokens() >= ctx) {
                throw new IllegalArgumentException("prompt of " + prompt.length + " tokens + " + req.maxTokens()
                        + " new tokens exceeds the model's context of " + ctx + " (shorten the prompt, lower -n, or pass --truncate)");
            }
            prompt = Arrays.copyOfRange(prompt, prompt.length - (ctx - req.maxTokens()), prompt.length);
        }
        return generate(req, prompt, model.newState(prompt.length + req.maxTokens(), kvType), mask, onText);
    }

    /**
     * Continues a sequence whose first {@code state.length()} tokens are already in {@code state}
     * (a chat's earlier turns): they must equal the start of the request's prompt; only the rest
     * is prefilled. Generated tokens are appended to {@code state} (all but the last sampled one).
     */
    public Result generate(Request req, ModelState state, Consumer<String> onText) {
        int[] prompt = req.promptIds();
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty: give at least one token");
        if (req.maxTokens() < 1) throw new IllegalArgumentException("max tokens must be at least 1, got " + req.maxTokens());
        if (prompt.length + req.maxTokens() > Math.min(model.contextLength(), state.capacity())) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens + " + req.maxTokens()
                    + " new tokens exceeds the context of " + Math.min(model.contextLength(), state.capacity()));
        }
        if (state.length() >= prompt.length) state.truncate(prompt.length - 1); // at least one token to run for logits
        return generate(req, prompt, state, null, onText);
    }

    private Result generate(Request req, int[] prompt, ModelState state, NextTokenMask mask, Consumer<String> onText) {
        int cached = state.length();
        Sampler sampler = new Sampler(req.sampling());
        float[] logits = new float[model.vocabSize()];
        int[] history = Arrays.copyOf(prompt, prompt.length + req.maxTokens());
        int historyLen = prompt.length;

        long t0 = System.nanoTime();
        model.forward(prompt, cached, prompt.length - cached, state, logits, false);
        long tPrefill = System.nanoTime();

        Tokenizer.StreamingDecoder dec = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();
        int emitted = 0; // chars of text already handed to onText
        int[] out = new int[req.maxTokens()];
        int n = 0;
        FinishReason reason = FinishReason.LENGTH;
        long tFirst = 0;
        int[] one = new int[1];
        BitSet allowed = mask == null ? null : new BitSet(logits.length);
        while (n < req.maxTokens()) {
            if (mask != null) {
                allowed.set(0, logits.length);
                mask.restrict(out, n, allowed);
                if (allowed.isEmpty()) throw new IllegalStateException("the token mask allows no token after " + n + " generated tokens");
                NextTokenMask.applyTo(allowed, logits);
            }
            int id = sampler.sample(logits, history, historyLen);
            if (n == 0) tFirst = System.nanoTime();
            if (contains(req.stopIds(), id)) { reason = FinishReason.STOP; break; }
            out[n++] = id;
            history[historyLen++] = id;
            text.append(dec.next(id));
            int stopAt = firstStop(text, req.stops());
            if (stopAt >= 0) {
                text.setLength(stopAt);
                reason = FinishReason.STOP;
                break;
            }
            int safe = text.length() - holdBack(text, req.stops());
            if (safe > emitted) {
                onText.accept(text.substring(emitted, safe));
                emitted = safe;
            }
            if (n == req.maxTokens()) break;
            one[0] = id;
            model.forward(one, 0, 1, state, logits, false);
        }
        long tEnd = System.nanoTime();
        if (reason == FinishReason.LENGTH) {
            text.append(dec.flush());
            int stopAt = firstStop(text, req.stops());
            if (stopAt >= 0) { text.setLength(stopAt); reason = FinishReason.STOP; }
        }
        if (text.length() > emitted) onText.accept(text.substring(emitted));
        double prefillS = (tPrefill - t0) / 1e9, decodeS = (tEnd - tPrefill) / 1e9;
        Stats stats = new Stats(prompt.length, n, tFirst == 0 ? 0 : (tFirst - t0) / 1e6, (prompt.length - cached) / prefillS,
                n > 1 ? (n - 1) / Math.max(1e-9, (tEnd - tFirst) / 1e9) : n / Math.max(1e-9, decodeS));
        return new Result(prompt, Arrays.copyOf(out, n), text.toString(), reason, stats);
    }

    private static boolean contains(int[] ids, int id) {
        if (ids == null) return false;
        for (int x : ids) if (x == id) return true;
        return false;
    }

    /** Index of the earliest complete stop string in {@code text}, or -1. */
    static int firstStop(CharSequence text, List<String> stops) {
        int best = -1;
        String s = text.toString();
        for (String stop : stops) {
            int i = s.indexOf(stop);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    /** Length of the longest tail of {@code text} that is a proper prefix of some stop string. */
    static int holdBack(CharSequence text, List<String> stops) {
        int hold = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > hold; k--) {
                if (text.subSequence(text.length() - k, text.length()).toString().equals(stop.substring(0, k))) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }
}

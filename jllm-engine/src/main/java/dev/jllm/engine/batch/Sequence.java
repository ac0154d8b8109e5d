package dev.jllm.engine.batch;

import dev.jllm.engine.Sampler;

import java.util.Arrays;

/**
 * The engine's state for one request: all its tokens (prompt, then generated), how many of them
 * have K/V in the cache ({@code computed}), its blocks, sampler (RNG included) and text filter.
 * A sequence always has {@code length - computed} tokens left to run: the prompt (or what the
 * prefix cache did not cover) at first, then exactly one — the last sampled token. Preemption
 * sets {@code computed} to 0 and frees the blocks; the tokens stay, so it resumes by
 * recomputing them (a prompt of prompt + generated) and continues with the same sampler.
 */
final class Sequence {
    final RequestHandle handle;
    final GenerationRequest request;
    final TokenListener listener;
    final Sampler sampler;
    final StopTextFilter text;
    final int maxNew; // generated tokens allowed (request's max, capped by the context)
    final BlockTable table = new BlockTable();
    final int[] tokens;
    int length;
    int computed;
    int generated;
    /** Full blocks already registered in the prefix cache, and the chain hash after them. */
    int registeredBlocks;
    long registeredHash;
    int cachedPromptTokens = -1; // set at first admission
    int preemptions;
    final long submitNanos;
    long scheduledNanos, firstTokenNanos;

    Sequence(RequestHandle handle, GenerationRequest request, TokenListener listener, StopTextFilter text, int maxNew) {
        this.handle = handle;
        this.request = request;
        this.listener = listener;
        this.sampler = new Sampler(request.sampling());
        this.text = text;
        this.maxNew = maxNew;
        int[] p = request.promptIds();
        this.tokens = Arrays.copyOf(p, p.length + maxNew);
        this.length = p.length;
        this.submitNanos = System.nanoTime();
    }

    int promptLength() { return request.promptIds().length; }
    int pending() { return length - computed; }
    long id() { return handle.id(); }
}

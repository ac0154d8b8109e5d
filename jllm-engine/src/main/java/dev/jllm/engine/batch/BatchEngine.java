package dev.jllm.engine.batch;

import dev.jllm.engine.SamplingParams;
import dev.jllm.models.CausalLM;
import dev.jllm.models.PagedBatch;
import dev.jllm.models.PagedCausalLM;
import dev.jllm.models.PagedKvCache;
import dev.jllm.tensor.kernel.QuantMatMul;
import dev.jllm.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves many generation requests at once on one model: continuous batching (Orca) over a
 * paged KV cache with prefix caching (vLLM).
 *
 * <p>Each iteration ("step") of the single engine thread: finish cancelled requests; admit
 * waiting requests (oldest first) while fewer than {@code maxRunning} run and their prompt fits
 * in free blocks, reusing cached prefix blocks; give every running request that is decoding its
 * one token, and spend the rest of the step's token budget on prompt chunks (chunked prefill);
 * find blocks for all of it, preempting the youngest request when the pool runs dry (its blocks
 * are freed and it is requeued at the front, to be recomputed later); run ALL of it as one
 * {@link PagedCausalLM#forwardBatch} (every weight read once per step); sample each request
 * whose sequence reached its end and stream the token.
 *
 * <p>Threading: {@link #submit}, {@link RequestHandle#cancel}, {@link #stats} and {@link #close}
 * may be called from any thread. Listeners are called on the engine thread (see
 * {@link TokenListener}). Without {@link #start()}, a caller drives the engine with {@link #step()}.
 */
public final class BatchEngine implements AutoCloseable {
    private final PagedCausalLM model;
    private final Tokenizer tokenizer;
    private final EngineConfig config;
    private final int context, vocab, blockSize;
    private final PagedKvCache cache;
    private final KvBlockPool pool;
    private final float[] logits;
    private final PagedBatch batch = new PagedBatch();

    private final Object signal = new Object();
    private final ConcurrentLinkedQueue<Sequence> inbox = new ConcurrentLinkedQueue<>();
    /** Completions held back until the stats that include them are published. */
    private final ConcurrentLinkedQueue<Runnable> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean wakeRequested;
    private Thread thread;

    // Engine-thread state.
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>(); // oldest first
    private long promptTokens, cachedPromptTokens, generatedTokens, preemptions, steps, completed;
    private volatile EngineStats stats;

    /**
     * @param model a model that implements {@link PagedCausalLM} (Llama-family, GPT-2 and DeepSeek-V2/V3 models do)
     * @param tokenizer decodes the streamed text (stop strings are matched on it)
     */
    public BatchEngine(CausalLM model, Tokenizer tokenizer, EngineConfig config) {
        if (!(model instanceof PagedCausalLM paged)) {
            throw new IllegalArgumentException(model.getClass().getSimpleName() + " models cannot be batched (no paged KV cache); "
                    + "run it with jllm generate or jllm chat");
        }
        this.model = paged;
        this.tokenizer = tokenizer;
        this.config = config;
        // Batched decode is what the packed multi-token Q4_0/Q8_0 kernel is for: let it repack
        // weights (a heap copy, ~3x cheaper per token at 16 streams; docs/kernels-matvec.md).
        QuantMatMul.repackForBatches();
        this.context = Math.min(config.contextLength(), model.contextLength());
        this.vocab = model.vocabSize();
        this.blockSize = config.blockSize();
        int blocks = config.kvBlocks() > 0 ? config.kvBlocks() : autoBlocks(paged, config, context);
        this.cache = paged.newPagedCache(blocks, blockSize, config.kvType());
        this.pool = new KvBlockPool(blocks, blockSize, config.prefixCaching());
        this.logits = new float[config.maxRunning() * vocab];
        publishStats();
    }

    /** Enough blocks for maxRunning full contexts, capped at kvMaxBytes but never below one full context. */
    static int autoBlocks(PagedCausalLM m, EngineConfig c, int context) {
        int perSeq = (context + c.blockSize() - 1) / c.blockSize();
        long perBlock = m.kvBytesPerToken(c.kvType()) * c.blockSize();
        long want = (long) c.maxRunning() * perSeq, cap = Math.max(perSeq, c.kvMaxBytes() / perBlock);
        return (int) Math.min(Integer.MAX_VALUE, Math.min(want, cap));
    }

    public EngineConfig config() { return config; }
    /** Most tokens (prompt + generated) of one request. */
    public int contextLength() { return context; }
    public int kvBlocks() { return pool.blocks(); }
    /** Bytes of the KV pool. */
    public long kvBytes() { return cache.bytes(); }

    /** Starts the engine thread (daemon, named {@code jllm-engine}). */
    public synchronized BatchEngine start() {
        if (thread != null) throw new IllegalStateException("the engine is already started");
        if (closed) throw new IllegalStateException("the engine is closed");
        thread = new Thread(this::loop, "jllm-engine");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /**
     * Queues a request. Returns at once; tokens go to {@code listener} as they are generated.
     *
     * @throws QueueFullException       when {@code maxQueue} requests are already waiting
     * @throws IllegalArgumentException when the request cannot run here (prompt too long for the
     *                                  context or the KV pool, token ids outside the vocabulary)
     * @throws IllegalStateException    after {@link #close()}
     */
    public RequestHandle submit(GenerationRequest request, TokenListener listener) {
        int[] p = request.promptIds();
        for (int i = 0; i < p.length; i++) {
            if (p[i] < 0 || p[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + i + " is " + p[i] + ", outside the vocabulary of " + vocab);
            }
        }
        if (p.length >= context) {
            throw new IllegalArgumentException("the prompt has " + p.length + " tokens; the context of " + context
                    + " leaves no room to generate (shorten the prompt)");
        }
        int maxNew = Math.min(request.maxTokens(), context - p.length);
        int needBlocks = (p.length + maxNew - 1 + blockSize - 1) / blockSize;
        if (needBlocks > pool.blocks()) {
            throw new IllegalArgumentException("the request needs " + needBlocks + " KV blocks of " + blockSize
                    + " tokens, the whole pool has " + pool.blocks() + " (lower max tokens or enlarge the pool)");
        }
        if (listener == null) listener = TokenListener.NONE;
        synchronized (signal) {
            if (closed) throw new IllegalStateException("the engine is closed");
            int q;
            do {
                q = queued.get();
                if (q >= config.maxQueue()) {
                    rejected.incrementAndGet();
                    throw new QueueFullException(q, config.maxQueue());
                }
            } while (!queued.compareAndSet(q, q + 1));
            RequestHandle h = new RequestHandle(nextId.getAndIncrement(), this::wake);
            inbox.add(new Sequence(h, request, listener,
                    new StopTextFilter(tokenizer.streamingDecoder(), request.stops()), maxNew));
            wakeRequested = true;
            signal.notifyAll();
            return h;
        }
    }

    /**
     * Runs throwaway requests through the batched path on the calling thread, before
     * {@link #start()}, so the JIT has compiled the kernels before the first client arrives;
     * without it the first request of a fresh server runs them in the interpreter (about a
     * second to the first token on jllm's own 5.5M model, where a warm one takes milliseconds).
     * Each round runs one long prompt (the prefill GEMM path) beside short ones, then decodes them
     * together. It stops after {@code rounds} rounds or once {@code budgetMillis} have passed, and
     * leaves the engine as new: counters at zero, prefix cache empty.
     *
     * @return tokens run (prompt + generated)
     */
    public long warmUp(int rounds, long budgetMillis) {
        synchronized (this) {
            if (thread != null) throw new IllegalStateException("warm up before start()");
        }
        if (!running.isEmpty() || !waiting.isEmpty() || !inbox.isEmpty()) throw new IllegalStateException("warm up before any request");
        long deadline = System.nanoTime() + budgetMillis * 1_000_000L;
        int streams = Math.min(config.maxRunning(), 4);
        int gen = Math.min(16, context / 4);
        int longPrompt = Math.min(96, context - gen - 1), shortPrompt = Math.min(12, longPrompt);
        long tokens = 0;
        if (gen < 1 || shortPrompt < 1) return 0;
        outer:
        for (int round = 0; round < rounds && System.nanoTime() < deadline; round++) {
            List<RequestHandle> handles = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                int[] prompt = new int[i == 0 ? longPrompt : shortPrompt];
                for (int j = 0; j < prompt.length; j++) prompt[j] = (int) ((round * 7919L + i * 104729L + j * 31L) % vocab);
                try {
                    handles.add(submit(GenerationRequest.of(prompt, SamplingParams.greedy(), gen), null));
                } catch (IllegalArgumentException | QueueFullException e) {
                    if (handles.isEmpty()) break outer; // the pool or queue is too small for even one: skip the warm-up
                    break;
                }
            }
            while (step()) {
                if (System.nanoTime() > deadline) handles.forEach(RequestHandle::cancel);
            }
            for (RequestHandle h : handles) {
                Completion c = h.completion().getNow(null);
                if (c != null) tokens += c.usage().promptTokens() + c.usage().completionTokens();
            }
        }
        promptTokens = cachedPromptTokens = generatedTokens = preemptions = steps = completed = 0;
        rejected.set(0);
        nextId.set(0);
        pool.reset();
        publishStats();
        return tokens;
    }

    /**
     * Ends every queued and running request with {@link FinishReason#CANCELLED}, on the calling
     * thread, before {@link #start()} (a warm-up that ran out of time drops what it left).
     */
    public void cancelAll() {
        synchronized (this) {
            if (thread != null) throw new IllegalStateException("cancelAll is for an engine that was not started");
        }
        drainInbox();
        for (Sequence s : new ArrayList<>(running)) finish(s, FinishReason.CANCELLED, "cancelled");
        for (Sequence s : new ArrayList<>(waiting)) finish(s, FinishReason.CANCELLED, "cancelled");
        publishStats();
    }

    /** The latest snapshot (updated after every step). */
    public EngineStats stats() {
        EngineStats s = stats;
        return new EngineStats(queued.get(), s.running(), s.kvBlocksTotal(), s.kvBlocksUsed(), s.kvBlocksFree(),
                s.kvBlocksCached(), s.blockSize(), s.prefixLookups(), s.prefixHits(), s.promptTokens(),
                s.cachedPromptTokens(), s.generatedTokens(), s.preemptions(), s.steps(), s.completed(), rejected.get());
    }

    /**
     * Stops the engine: waits for the current step, then ends every request still queued or
     * running with {@link FinishReason#CANCELLED}. Idempotent.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (signal) {
            if (closed) return;
            closed = true;
            signal.notifyAll();
        }
        synchronized (this) { t = thread; }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        drainInbox();
        for (Sequence s : new ArrayList<>(running)) finish(s, FinishReason.CANCELLED, "the engine closed");
        for (Sequence s : new ArrayList<>(waiting)) finish(s, FinishReason.CANCELLED, "the engine closed");
        publishStats();
    }

    private void wake() {
        synchronized (signal) {
            wakeRequested = true;
            signal.notifyAll();
        }
    }

    private void loop() {
        while (!closed) {
            boolean worked;
            try {
                worked = step();
            } catch (RuntimeException | Error e) {
                // A failure outside one request's forward (a bug): fail what runs, keep serving.
                for (Sequence s : new ArrayList<>(running)) finish(s, FinishReason.ERROR, String.valueOf(e));
                publishStats();
                worked = true;
            }
            if (!worked) {
                synchronized (signal) {
                    if (!wakeRequested && !closed) {
                        try {
                            signal.wait(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    wakeRequested = false;
                }
            }
        }
    }

    /**
     * Runs one scheduling iteration on the calling thread. Only for an engine that was not
     * {@link #start()}ed (tests, single-threaded embedding).
     *
     * @return false when there was nothing to do
     */
    public boolean step() {
        Thread t;
        synchronized (this) { t = thread; }
        if (t != null && t != Thread.currentThread()) throw new IllegalStateException("the engine thread runs the steps");
        drainInbox();
        boolean did = finishCancelled();
        admit();
        did |= runStep();
        publishStats();
        return did;
    }

    private void drainInbox() {
        for (Sequence s; (s = inbox.poll()) != null; ) waiting.addLast(s);
    }

    private boolean finishCancelled() {
        boolean any = false;
        for (Sequence s : new ArrayList<>(running)) {
            if (s.handle.isCancelRequested()) { finish(s, FinishReason.CANCELLED, null); any = true; }
        }
        for (Sequence s : new ArrayList<>(waiting)) {
            if (s.handle.isCancelRequested()) { finish(s, FinishReason.CANCELLED, null); any = true; }
        }
        return any;
    }

    /** Oldest waiting first, while there is room to run it; a request that does not fit blocks the ones behind it (FCFS). */
    private void admit() {
        while (!waiting.isEmpty() && running.size() < config.maxRunning()) {
            Sequence s = waiting.peekFirst();
            matchPrefix(s);
            int need = blocksFor(s.length) - s.table.size();
            int reserve = running.isEmpty() ? 0 : Math.max(1, pool.blocks() / 100); // headroom for running decodes
            if (need + reserve > pool.available()) {
                s.table.releaseAll(pool);
                s.computed = 0;
                s.registeredBlocks = 0;
                s.registeredHash = 0;
                return;
            }
            waiting.pollFirst();
            queued.decrementAndGet();
            if (s.cachedPromptTokens < 0) {
                s.cachedPromptTokens = Math.min(s.computed, s.promptLength());
                promptTokens += s.promptLength();
                cachedPromptTokens += s.cachedPromptTokens;
            }
            if (s.scheduledNanos == 0) s.scheduledNanos = System.nanoTime();
            int at = running.size();
            while (at > 0 && running.get(at - 1).id() > s.id()) at--; // resumed (older) requests keep their age order
            running.add(at, s);
        }
    }

    private int blocksFor(int tokens) { return (tokens + blockSize - 1) / blockSize; }

    /** Takes the cached blocks of the longest cached prefix (whole blocks, at least one token left to run). */
    private void matchPrefix(Sequence s) {
        if (!config.prefixCaching() || s.table.size() > 0) return;
        int full = (s.length - 1) / blockSize;
        long parent = 0;
        for (int k = 0; k < full; k++) {
            long h = pool.chainHash(parent, s.tokens, k * blockSize);
            int b = pool.lookup(h, parent, s.tokens, k * blockSize);
            if (b < 0) break;
            s.table.add(b);
            parent = h;
        }
        s.computed = s.table.size() * blockSize;
        s.registeredBlocks = s.table.size();
        s.registeredHash = parent;
    }

    private boolean runStep() {
        if (running.isEmpty()) return false;
        // Token budget: every decode first, then prompt chunks oldest first.
        int budget = config.stepTokenBudget();
        int[] plan = new int[running.size()];
        for (int i = 0; i < running.size(); i++) {
            if (running.get(i).pending() == 1) { plan[i] = 1; budget--; }
        }
        for (int i = 0; i < running.size() && budget > 0; i++) {
            int pend = running.get(i).pending();
            if (pend > 1) { plan[i] = Math.min(pend, budget); budget -= plan[i]; }
        }
        List<Sequence> seqs = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < plan.length; i++) {
            if (plan[i] > 0) { seqs.add(running.get(i)); counts.add(plan[i]); }
        }
        // Blocks, oldest first; the youngest running request is preempted when they run out.
        for (int i = 0; i < seqs.size(); i++) {
            Sequence s = seqs.get(i);
            if (!running.contains(s)) continue;
            while (!grow(s, s.computed + counts.get(i))) {
                Sequence victim = running.get(running.size() - 1);
                preempt(victim);
                if (victim == s) break;
            }
        }
        batch.clear();
        List<Sequence> ran = new ArrayList<>();
        List<Integer> ranCounts = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i++) {
            Sequence s = seqs.get(i);
            if (!running.contains(s)) continue;
            int n = counts.get(i);
            batch.add(s.tokens, s.computed, n, s.computed, s.table.array(), s.computed + n == s.length ? 1 : 0);
            ran.add(s);
            ranCounts.add(n);
        }
        if (ran.isEmpty()) return true;
        try {
            model.forwardBatch(batch, cache, logits);
        } catch (RuntimeException e) {
            for (Sequence s : ran) finish(s, FinishReason.ERROR, "forward failed: " + e.getMessage());
            return true;
        }
        steps++;
        int row = 0;
        for (int i = 0; i < ran.size(); i++) {
            Sequence s = ran.get(i);
            s.computed += ranCounts.get(i);
            registerFullBlocks(s);
            if (s.computed == s.length) onLogits(s, row++ * vocab);
        }
        return true;
    }

    /** Makes the table cover {@code upTo} tokens with the block at {@code computed} writable; false if the pool ran dry. */
    private boolean grow(Sequence s, int upTo) {
        int idx = s.computed / blockSize;
        if (s.computed % blockSize != 0 && idx < s.table.size()) {
            int b = pool.writable(s.table.get(idx), cache);
            if (b < 0) return false;
            s.table.set(idx, b);
        }
        while (s.table.size() * blockSize < upTo) {
            int b = pool.allocate();
            if (b < 0) return false;
            s.table.add(b);
        }
        return true;
    }

    private void preempt(Sequence s) {
        s.table.releaseAll(pool);
        s.computed = 0;
        s.registeredBlocks = 0;
        s.registeredHash = 0;
        s.preemptions++;
        preemptions++;
        running.remove(s);
        waiting.addFirst(s);
        queued.incrementAndGet();
    }

    private void registerFullBlocks(Sequence s) {
        if (!config.prefixCaching()) return;
        while ((s.registeredBlocks + 1) * blockSize <= s.computed) {
            int k = s.registeredBlocks, off = k * blockSize;
            long h = pool.chainHash(s.registeredHash, s.tokens, off);
            pool.register(s.table.get(k), h, s.registeredHash, s.tokens, off);
            s.registeredHash = h;
            s.registeredBlocks++;
        }
    }

    /** The sequence's next-token logits are at {@code logits[off..off+vocab)}: choose, stream, maybe finish. */
    private void onLogits(Sequence s, int off) {
        GenerationRequest r = s.request;
        float[] row = Arrays.copyOfRange(logits, off, off + vocab);
        float[] raw = r.logprobs() ? row.clone() : null;
        if (r.mask() != null) {
            BitSet allowed = new BitSet(vocab);
            allowed.set(0, vocab);
            int p = s.promptLength();
            try {
                r.mask().restrict(Arrays.copyOfRange(s.tokens, p, p + s.generated), s.generated, allowed);
            } catch (RuntimeException e) {
                finish(s, FinishReason.ERROR, "the token mask failed: " + e);
                return;
            }
            if (allowed.nextSetBit(0) < 0 || allowed.nextSetBit(0) >= vocab) {
                finish(s, FinishReason.ERROR, "the token mask allowed no token after " + s.generated + " generated tokens");
                return;
            }
            for (int i = allowed.nextClearBit(0); i < vocab; i = allowed.nextClearBit(i + 1)) row[i] = Float.NEGATIVE_INFINITY;
        }
        int id;
        try {
            id = s.sampler.sample(row, s.tokens, s.length);
        } catch (RuntimeException e) {
            finish(s, FinishReason.ERROR, "sampling failed: " + e.getMessage());
            return;
        }
        if (s.firstTokenNanos == 0) s.firstTokenNanos = System.nanoTime();
        for (int stop : r.stopIds()) {
            if (stop == id) { finish(s, FinishReason.STOP, null); return; }
        }
        s.tokens[s.length++] = id;
        s.generated++;
        generatedTokens++;
        String piece = s.text.add(id);
        if (s.text.stopped()) { finish(s, FinishReason.STOP, null); return; }
        float lp = Float.NaN;
        List<TopLogprob> top = List.of();
        if (raw != null) {
            double lse = Logprobs.logSumExp(raw);
            lp = (float) (raw[id] - lse);
            top = Logprobs.top(raw, lse, r.topLogprobs());
        }
        try {
            s.listener.onToken(new TokenEvent(id, piece, lp, top, s.generated - 1));
        } catch (RuntimeException e) {
            finish(s, FinishReason.ERROR, "the token listener failed: " + e);
            return;
        }
        if (s.generated == s.maxNew) finish(s, FinishReason.LENGTH, null);
    }

    private void finish(Sequence s, FinishReason reason, String error) {
        s.table.releaseAll(pool);
        if (!running.remove(s) && waiting.remove(s)) queued.decrementAndGet();
        completed++;
        long end = System.nanoTime();
        String tail = s.text.finish(reason == FinishReason.LENGTH);
        int p = s.promptLength();
        Timings t = new Timings(s.scheduledNanos == 0 ? Double.NaN : (s.scheduledNanos - s.submitNanos) / 1e6,
                s.firstTokenNanos == 0 ? Double.NaN : (s.firstTokenNanos - s.submitNanos) / 1e6, (end - s.submitNanos) / 1e6,
                s.generated > 1 ? (s.generated - 1) / Math.max(1e-9, (end - s.firstTokenNanos) / 1e9) : Double.NaN, s.preemptions);
        Completion c = new Completion(reason, s.text.text(), Arrays.copyOfRange(s.tokens, p, p + s.generated), tail,
                new Usage(p, s.generated, Math.max(0, s.cachedPromptTokens)), t, reason == FinishReason.ERROR ? error : null);
        try {
            s.listener.onComplete(c);
        } catch (RuntimeException ignored) {
            // The request is over either way; a failing listener must not take the engine down.
        }
        finished.add(() -> s.handle.complete(c));
    }

    /** Publishes the stats, then completes the handles finished since: a caller that sees its completion sees stats that include it. */
    private void publishStats() {
        publishStatsSnapshot();
        for (Runnable r; (r = finished.poll()) != null; ) r.run();
    }

    private void publishStatsSnapshot() {
        stats = new EngineStats(queued.get(), running.size(), pool.blocks(), pool.used(), pool.available(), pool.cached(),
                blockSize, pool.lookups(), pool.hits(), promptTokens, cachedPromptTokens, generatedTokens, preemptions,
                steps, completed, rejected.get());
    }

    /** Test hook: the block pool (engine thread only). */
    KvBlockPool pool() { return pool; }
}

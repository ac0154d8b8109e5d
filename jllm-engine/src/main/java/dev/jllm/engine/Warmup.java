package dev.jllm.engine;

import dev.jllm.models.CausalLM;
import dev.jllm.models.ModelState;
import dev.jllm.tensor.DType;

/**
 * Runs a model on throwaway tokens in the background while the user has not asked anything yet
 * (an interactive chat waiting for the first line), so that the JIT has compiled the kernels
 * before the first real request. Without it the first forward runs the Vector API kernels in the
 * interpreter: about one second to the first token on jllm's own 5.5M-parameter model, where a
 * warm prefill takes milliseconds. It also faults the memory-mapped weights in.
 *
 * <p>The model is used by one thread at a time: {@link #close()} stops the warm-up after the
 * token it is running and waits for it, and must be called before the model is used elsewhere.
 */
public final class Warmup implements AutoCloseable {
    /** Rounds of (prefill of {@link #PROMPT} tokens + {@link #DECODE} decode steps); enough for C2 on small models. */
    static final int ROUNDS = 40, PROMPT = 8, DECODE = 24;

    private final Thread thread;
    private volatile boolean stop;
    private volatile int tokensRun;
    private volatile Throwable failure;

    private Warmup(CausalLM model, DType kvType) {
        thread = Thread.ofPlatform().daemon().name("jllm-warmup").unstarted(() -> run(model, kvType));
    }

    /** Starts warming {@code model} up with a KV cache of {@code kvType} (the one the real requests will use). */
    public static Warmup start(CausalLM model, DType kvType) {
        Warmup w = new Warmup(model, kvType);
        w.thread.setPriority(Thread.MIN_PRIORITY);
        w.thread.start();
        return w;
    }

    private void run(CausalLM model, DType kvType) {
        try {
            int vocab = model.vocabSize();
            int window = Math.min(model.contextLength(), PROMPT + DECODE);
            ModelState state = model.newState(window, kvType);
            float[] logits = new float[vocab];
            int[] prompt = new int[Math.min(PROMPT, window - 1)];
            int[] one = new int[1];
            for (int round = 0; round < ROUNDS && !stop; round++) {
                state.truncate(0);
                for (int i = 0; i < prompt.length; i++) prompt[i] = (round * 31 + i * 7) % vocab;
                model.forward(prompt, 0, prompt.length, state, logits, false);
                tokensRun += prompt.length;
                for (int i = 0; i < window - prompt.length && !stop; i++) {
                    one[0] = (round + i * 13) % vocab;
                    model.forward(one, 0, 1, state, logits, false);
                    tokensRun++;
                }
            }
        } catch (RuntimeException | Error e) {
            failure = e; // a warm-up is an optimisation: the real request reports real problems
        }
    }

    /** Tokens run so far (tests, diagnostics). */
    public int tokensRun() { return tokensRun; }

    /** Whether the warm-up has run all its rounds (or failed). */
    public boolean finished() { return !thread.isAlive(); }

    /** What made the warm-up stop early, or null. */
    public Throwable failure() { return failure; }

    /** Stops after the current token and waits; idempotent. */
    @Override
    public void close() {
        stop = true;
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}

package dev.jllm.serve;

import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.GenerationRequest;
import dev.jllm.engine.batch.RequestHandle;
import dev.jllm.engine.batch.TokenEvent;
import dev.jllm.engine.batch.TokenListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The engine requests behind one HTTP request (one per choice: {@code n} x prompts). The engine
 * calls the listeners on its step thread; they only enqueue, and the HTTP request's own
 * (virtual) thread takes the events off in order and writes them out. Closing cancels whatever
 * is still running, so a client that goes away frees its KV blocks at the next engine step.
 * Each completion is counted in the metrics as it happens (also those nobody reads any more).
 */
final class ChoiceRun implements AutoCloseable {
    /** An event of choice {@code choice}: a token or the completion. */
    record Event(int choice, TokenEvent token, Completion done) {}

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<RequestHandle> handles = new ArrayList<>();
    private int remaining;

    private ChoiceRun() {}

    /**
     * Submits every request; if the engine refuses one (queue full), the ones already submitted
     * are cancelled and the refusal is rethrown.
     */
    static ChoiceRun submit(BatchEngine engine, List<GenerationRequest> requests, ServerMetrics metrics) {
        ChoiceRun run = new ChoiceRun();
        try {
            for (int i = 0; i < requests.size(); i++) {
                final int choice = i;
                run.handles.add(engine.submit(requests.get(i), new TokenListener() {
                    @Override public void onToken(TokenEvent event) { run.events.add(new Event(choice, event, null)); }

                    @Override public void onComplete(Completion completion) {
                        // Counted here, not by the reader: a cancelled run's completions are never read.
                        metrics.generation(completion);
                        run.events.add(new Event(choice, null, completion));
                    }
                }));
                run.remaining++;
            }
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        return run;
    }

    /** True until every choice's completion has been taken. */
    boolean running() { return remaining > 0; }

    /** The next event, or null after {@code timeoutMs} without one. */
    Event poll(long timeoutMs) throws InterruptedException {
        Event e = events.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (e != null && e.done() != null) remaining--;
        return e;
    }

    @Override
    public void close() {
        for (RequestHandle h : handles) if (!h.isDone()) h.cancel();
    }
}

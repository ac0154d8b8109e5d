package dev.jllm.serve;

import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.TokenEvent;

/** Moves a run's events to the response on the request's thread, probing an idle connection. */
final class EventPump {
    /** Where the events of each choice go. */
    interface Sink {
        void token(int choice, TokenEvent event) throws ClientGoneException;

        void done(int choice, Completion completion) throws ClientGoneException;
    }

    private EventPump() {}

    static void run(ChoiceRun run, ResponseStream out, long heartbeatMs, Sink sink) throws ClientGoneException, InterruptedException {
        while (run.running()) {
            ChoiceRun.Event e = run.poll(heartbeatMs);
            if (e != null) {
                if (e.token() != null) sink.token(e.choice(), e.token());
                else sink.done(e.choice(), e.done());
            }
            if (run.running()) out.heartbeatIfIdle(heartbeatMs);
        }
    }
}

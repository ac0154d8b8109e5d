package dev.jllm.serve;

import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.models.Encoder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * Warms a server up before it takes its first client: the first requests of a fresh JVM pay
 * for class loading and interpreted code in the HTTP stack, JSON, the chat template, the
 * tokenizer and the kernels, and on quantized models for repacking the weights for batches
 * (8 concurrent chats on jllm's own model: first token after 2-3 s cold, 0.13-0.19 s warm;
 * docs/serving.md).
 *
 * <p>It sends real requests (models, chat streamed and not, completions, embeddings) over
 * loopback to a private second server that shares the model and the not-yet-started engine,
 * stepping the engine on this thread, then runs {@link BatchEngine#warmUp batched rounds}.
 * The real server starts afterwards with zeroed counters: nothing of the warm-up shows in its
 * metrics or usage.
 */
final class ServerWarmup {
    private static final int ENGINE_ROUNDS = 2;

    private ServerWarmup() {}

    /**
     * Warms {@code served} (and {@code encoder}, if any) for at most about {@code budgetMillis}.
     * The engine must not be started yet.
     *
     * @return tokens the engine ran in its batched rounds
     */
    static long run(ServedModel served, Encoder encoder, ServerConfig config, long budgetMillis) {
        long deadline = System.nanoTime() + budgetMillis * 1_000_000L;
        BatchEngine engine = served == null ? null : served.engine();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        OpenAiServer warm = new OpenAiServer(served, encoder, config.withHost("127.0.0.1").withPort(0));
        try {
            warm.start();
            List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
            for (HttpRequest r : requests(warm.url(), served, encoder)) {
                sent.add(http.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
            while (!all.isDone() && System.nanoTime() < deadline) {
                if (engine == null || !engine.step()) LockSupport.parkNanos(100_000); // leave the cores to the HTTP threads
            }
        } catch (RuntimeException e) {
            // A warm-up is an optimisation (a loopback port it could not bind, say): serve cold rather than not at all.
        } finally {
            http.shutdownNow(); // never waits: a request cut short by the deadline must not hold the start up
            warm.close();       // refuses what had not reached the engine yet
        }
        if (engine == null) return 0;
        // Handlers already past the door may still submit: cancel until none is left, so nothing
        // of the warm-up reaches the real server's engine run (bounded: they end when cancelled).
        long hard = System.nanoTime() + 10_000_000_000L;
        while (warm.generating() > 0 && System.nanoTime() < hard) {
            engine.cancelAll();
            LockSupport.parkNanos(200_000);
        }
        engine.cancelAll();
        long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
        try {
            return engine.warmUp(left == 0 ? 0 : ENGINE_ROUNDS, left); // also zeroes the counters the requests above moved
        } catch (IllegalStateException e) {
            return 0; // a request still queued after the 10 s cap: it runs to its end once the engine starts
        }
    }

    private static List<HttpRequest> requests(String url, ServedModel served, Encoder encoder) {
        List<HttpRequest> rs = new ArrayList<>();
        rs.add(HttpRequest.newBuilder(URI.create(url + "/v1/models")).GET().build());
        if (served != null) {
            String m = "\"model\":\"" + served.name().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            String chat = "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello there!\"}]";
            rs.add(post(url, "/v1/chat/completions", "{" + m + "," + chat + ",\"max_tokens\":8,\"stream\":true}"));
            rs.add(post(url, "/v1/chat/completions", "{" + m + "," + chat + ",\"max_tokens\":8,\"temperature\":0.7,\"seed\":1}"));
            rs.add(post(url, "/v1/completions", "{" + m + ",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"stream\":true}"));
        }
        if (encoder != null) {
            rs.add(post(url, "/v1/embeddings", "{\"model\":\"" + encoder.name() + "\",\"input\":[\"warm up\",\"the encoder\"]}"));
        }
        return rs;
    }

    private static HttpRequest post(String url, String path, String body) {
        return HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}

package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.tensor.DType;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded load test on loopback: 16 concurrent streaming clients send a fixed number of chat
 * requests with mixed prompt lengths, most sharing a long system prompt (so the prefix cache has
 * work). Every stream must complete, nothing may fail, and the KV pool must be whole at the end.
 */
class LoadTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CLIENTS = 16, REQUESTS = 64;
    static final String SHARED_SYSTEM = "You are a careful assistant for a library. ".repeat(12);

    @Test
    void sixteenStreamingClientsAllCompleteAndTheKvPoolEndsEmpty() throws Exception {
        var engine = ServerFixture.engineConfig().withMaxRunning(CLIENTS).withMaxQueue(256).withKvType(DType.F16);
        try (ServerFixture fx = new ServerFixture(engine, ServerConfig.defaults().withPort(0), null)) {
            AtomicInteger next = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger completed = new AtomicInteger(), tokens = new AtomicInteger();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    fs.add(pool.submit(() -> {
                        for (int i; (i = next.getAndIncrement()) < REQUESTS; ) {
                            try {
                                tokens.addAndGet(stream(fx, i));
                                completed.incrementAndGet();
                            } catch (Exception | AssertionError e) {
                                failures.add("request " + i + ": " + e);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            }
            assertThat(failures).isEmpty();
            assertThat(completed.get()).isEqualTo(REQUESTS);
            EngineStats s = fx.awaitIdle(Duration.ofSeconds(10));
            assertThat(s.running()).isZero();
            assertThat(s.queued()).isZero();
            assertThat(s.kvBlocksUsed()).isZero();
            assertThat(s.kvBlocksFree()).isEqualTo(s.kvBlocksTotal());
            assertThat(s.completed()).isEqualTo(REQUESTS);
            assertThat(s.prefixHits()).isPositive();
            String metrics = fx.get("/metrics").body();
            assertThat(metrics).contains("jllm_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} " + REQUESTS);
            System.out.printf("load test: %d streams by %d clients, %d tokens, prefix-cache block hit rate %.1f%% (%d/%d), "
                            + "%d prompt tokens from cache of %d, %d preemptions%n", REQUESTS, CLIENTS, tokens.get(),
                    100 * s.prefixHitRate(), s.prefixHits(), s.prefixLookups(), s.cachedPromptTokens(), s.promptTokens(), s.preemptions());
        }
    }

    /** One streaming chat request; checks the stream is whole; returns completion tokens. */
    static int stream(ServerFixture fx, int i) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", ServerFixture.MODEL).put("stream", true)
                .put("max_tokens", 8 + (i % 5) * 6).put("temperature", 0.8).put("seed", i);
        body.putObject("stream_options").put("include_usage", true);
        var msgs = body.putArray("messages");
        if (i % 4 != 3) msgs.addObject().put("role", "system").put("content", SHARED_SYSTEM); // 3 in 4 share the prefix
        msgs.addObject().put("role", "user").put("content", "Question " + i + ": " + "tell me more ".repeat(1 + (i * 7) % 30));
        HttpResponse<Stream<String>> r = fx.http.send(HttpRequest.newBuilder(URI.create(fx.url() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        boolean done = false;
        String finish = null;
        int usage = -1, deltas = 0;
        try (Stream<String> lines = r.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data: ")) continue;
                String data = line.substring(6);
                if (data.equals("[DONE]")) { done = true; continue; }
                assertThat(done).as("data after [DONE]").isFalse();
                JsonNode chunk = JSON.readTree(data);
                assertThat(chunk.has("error")).as(data).isFalse();
                for (JsonNode ch : chunk.get("choices")) {
                    if (ch.path("delta").has("content")) deltas++;
                    if (!ch.get("finish_reason").isNull()) finish = ch.get("finish_reason").asText();
                }
                if (chunk.hasNonNull("usage")) usage = chunk.get("usage").get("completion_tokens").asInt();
            }
        }
        assertThat(done).isTrue();
        assertThat(finish).isIn("stop", "length");
        assertThat(usage).isPositive();
        assertThat(deltas).isPositive();
        return usage;
    }
}

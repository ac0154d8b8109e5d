package dev.jllm.serve;

import dev.jllm.engine.LoadedModel;
import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.engine.batch.EngineConfig;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.models.Encoder;
import dev.jllm.tensor.DType;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A live server on loopback (free port) over the tiny chat model, for one test class. */
final class ServerFixture implements AutoCloseable {
    static final String MODEL = "tiny-chat";

    final LoadedModel model;
    final BatchEngine engine;
    final OpenAiServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerFixture(EngineConfig engineConfig, ServerConfig serverConfig, Encoder encoder) throws IOException {
        model = LoadedModel.open(TinyChatModel.path());
        engine = new BatchEngine(model.model(), model.tokenizer(), engineConfig).start();
        server = new OpenAiServer(new ServedModel(MODEL, model, engine, engine.contextLength()), encoder, serverConfig).start();
    }

    static ServerFixture start() throws IOException {
        return new ServerFixture(engineConfig(), ServerConfig.defaults().withPort(0).withHeartbeatMs(100), null);
    }

    static EngineConfig engineConfig() {
        return EngineConfig.defaults().withMaxRunning(8).withMaxQueue(64).withContextLength(TinyChatModel.CONTEXT)
                .withKvType(DType.F32).withBlockSize(16).withStepTokenBudget(256);
    }

    String url() { return server.url(); }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).GET().timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until no sequence runs or waits and every KV block is free again (cancellations land at the next step). */
    EngineStats awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        EngineStats s = engine.stats();
        while (System.nanoTime() < end) {
            s = engine.stats();
            if (s.running() == 0 && s.queued() == 0 && s.kvBlocksUsed() == 0) return s;
            Thread.sleep(10);
        }
        return s;
    }

    @Override
    public void close() {
        server.close();
        engine.close();
        model.close();
    }
}

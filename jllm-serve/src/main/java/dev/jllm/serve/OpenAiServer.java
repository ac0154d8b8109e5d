package dev.jllm.serve;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.engine.batch.GenerationRequest;
import dev.jllm.engine.batch.QueueFullException;
import dev.jllm.models.Encoder;
import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.javalin.http.Context;
import io.javalin.compression.CompressionStrategy;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The OpenAI-compatible HTTP server: {@code /v1/models}, {@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /v1/embeddings}, plus {@code /health}, {@code /metrics}
 * (Prometheus) and the web chat page at {@code /}. Javalin on Jetty 12 with one virtual thread
 * per request; generation runs on the {@link BatchEngine}'s thread.
 *
 * <p>Every failure reaches the client in OpenAI's error shape with a fitting status (400 bad
 * field, 404 unknown model or path, 413 body too large, 429 queue full, 500 internal) and
 * never as a stack trace.
 */
public final class OpenAiServer implements AutoCloseable {
    /** Request attribute: the response was written by a handler here, so Javalin's status-error mappers keep out. */
    private static final String ANSWERED = "jllm.answered";
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    private final ServedModel served;
    private final EmbeddingEndpoint embeddings;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final java.util.concurrent.atomic.AtomicInteger generating = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;
    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final ChatEndpoint chat;
    private final CompletionEndpoint completions;
    private final long created = System.currentTimeMillis() / 1000;
    private Javalin app;

    /**
     * @param served  the language model, or null for an embeddings-only server
     * @param encoder the embedding model, or null (then /v1/embeddings answers 400)
     */
    public OpenAiServer(ServedModel served, Encoder encoder, ServerConfig config) {
        if (served == null && encoder == null) throw new IllegalArgumentException("the server needs a language model or an encoder");
        this.served = served;
        this.config = config;
        this.metrics = new ServerMetrics(served == null ? OpenAiServer::noEngine : served.engine()::stats);
        this.embeddings = encoder == null ? null : new EmbeddingEndpoint(encoder, json);
        this.chat = served == null ? null : new ChatEndpoint(served, config, metrics, json);
        this.completions = served == null ? null : new CompletionEndpoint(served, config, metrics, json);
    }

    private static EngineStats noEngine() {
        return new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Binds the port and starts serving. */
    public synchronized OpenAiServer start() {
        if (app != null) throw new IllegalStateException("the server is already started");
        app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.compressionStrategy = CompressionStrategy.NONE; // compression would hold back SSE chunks
            c.http.maxRequestSize = config.maxBodyBytes();
            c.routes.get("/", ctx -> observed(ctx, "/", () -> ctx.html(ChatPage.html())));
            c.routes.get("/health", ctx -> observed(ctx, "/health", () -> health(ctx)));
            c.routes.get("/metrics", ctx -> observed(ctx, "/metrics", () ->
                    ctx.contentType(PrometheusText.CONTENT_TYPE).result(metrics.exposition())));
            c.routes.get("/v1/models", ctx -> observed(ctx, "/v1/models", () -> sendJson(ctx, 200, models())));
            c.routes.get("/v1/models/{id}", ctx -> observed(ctx, "/v1/models", () -> model(ctx, ctx.pathParam("id"))));
            c.routes.post("/v1/chat/completions", ctx -> generation(ctx, "/v1/chat/completions", true));
            c.routes.post("/v1/completions", ctx -> generation(ctx, "/v1/completions", false));
            c.routes.post("/v1/embeddings", ctx -> observed(ctx, "/v1/embeddings", () -> embed(ctx)));
            c.routes.error(404, ctx -> {
                if (ctx.attribute(ANSWERED) != null || ctx.res().isCommitted()) return; // our own 404 (unknown model)
                metrics.request("other", 404);
                sendJson(ctx, 404, ErrorBody.of("Unknown request URL: " + ctx.method() + " " + ctx.path()
                        + " (see GET /v1/models, POST /v1/chat/completions, /v1/completions, /v1/embeddings)",
                        "invalid_request_error", null, "unknown_url"));
            });
            c.routes.error(405, ctx -> {
                if (ctx.attribute(ANSWERED) != null || ctx.res().isCommitted()) return;
                sendJson(ctx, 405, ErrorBody.of("Method " + ctx.method() + " is not allowed on " + ctx.path(),
                        "invalid_request_error", null, "method_not_allowed"));
            });
            c.routes.exception(Exception.class, (e, ctx) -> {
                if (!ctx.res().isCommitted()) {
                    sendJson(ctx, 500, ErrorBody.of("internal error: " + e.getClass().getSimpleName(), "server_error", null, null));
                }
            });
        });
        app.start(config.host(), config.port());
        return this;
    }

    /** The bound port (the real one when the config asked for 0). */
    public int port() { return app.port(); }

    /** Base URL, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        if (h.equals("0.0.0.0")) h = "127.0.0.1";
        return "http://" + h + ":" + port();
    }

    public ServedModel served() { return served; }

    /** The Prometheus text GET /metrics returns. */
    public String metricsText() { return metrics.exposition(); }

    /** Generation requests inside their handler now (a closed server refuses new ones at once). */
    int generating() { return generating.get(); }

    @Override
    public synchronized void close() {
        closing = true;
        if (app != null) app.stop();
        app = null;
    }

    // ---- shared pieces used by the endpoints ----

    static void checkModel(String requested, String servedName) {
        if (!requested.equals(servedName)) throw ApiException.modelNotFound(requested, servedName);
    }

    /** Submits a run, turning the engine's refusals into API errors. */
    static ChoiceRun submit(BatchEngine engine, List<GenerationRequest> requests, ServerMetrics metrics) {
        try {
            return ChoiceRun.submit(engine, requests, metrics);
        } catch (QueueFullException e) {
            throw new ApiException(429, "rate_limit_error", null, "queue_full",
                    "The server is busy: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        } catch (IllegalStateException e) {
            throw new ApiException(503, "server_error", null, "shutting_down", "The server is shutting down: " + e.getMessage());
        }
    }

    // ---- handlers ----

    private interface Body {
        void run() throws Exception;
    }

    /** Runs a simple handler; maps its API errors; counts it. */
    private void observed(Context ctx, String endpoint, Body body) {
        int status;
        try {
            body.run();
            status = ctx.statusCode();
        } catch (ApiException e) {
            status = e.status();
            sendJson(ctx, status, ErrorBody.of(e));
        } catch (Exception | Error e) {
            status = 500;
            LOG.error("internal error on " + endpoint, e);
            sendJson(ctx, 500, ErrorBody.of("internal error: " + e.getClass().getSimpleName(), "server_error", null, null));
        }
        metrics.request(endpoint, status);
    }

    private void generation(Context ctx, String endpoint, boolean isChat) {
        int status = 200;
        ResponseStream[] opened = new ResponseStream[1];
        ResponseStream.Factory factory = sse -> opened[0] = new ResponseStream(ctx.res(), json, sse);
        generating.incrementAndGet(); // before the closing check, so generating() == 0 after close() means none can still submit
        try {
            if (closing) throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
            if (served == null) {
                throw ApiException.invalid("model", "this server was started with an embedding model only; "
                        + endpoint + " needs a language model (jllm serve -m MODEL.gguf)");
            }
            JsonNode body = readJson(ctx);
            if (isChat) chat.handle(body, factory); else completions.handle(body, factory);
        } catch (ClientGoneException e) {
            status = 499; // nginx's "client closed request": the generation was cancelled
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
        } catch (ApiException e) {
            status = e.status();
            writeError(ctx, opened[0], e.status(), ErrorBody.of(e));
        } catch (RuntimeException | Error e) {
            status = 500;
            LOG.error("internal error on " + endpoint, e); // the log gets the trace, the client only the message
            writeError(ctx, opened[0], 500, ErrorBody.of("internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), "server_error", null, null));
        } finally {
            generating.decrementAndGet();
        }
        metrics.request(endpoint, status);
    }

    /** Before anything was written: a normal error response; mid-stream: an error event / body. */
    private void writeError(Context ctx, ResponseStream out, int status, ObjectNode error) {
        if (out == null || !out.started()) {
            if (status == 429) ctx.header("Retry-After", "1");
            sendJson(ctx, status, error);
            return;
        }
        try {
            out.errorAfterStart(error);
        } catch (ClientGoneException ignored) {
            // nothing more to tell a client that left
        }
    }

    private JsonNode readJson(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        long limit = config.maxBodyBytes();
        if (declared > limit) throw tooLarge(ctx, declared, limit);
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) throw tooLarge(ctx, -1, limit);
        } catch (IOException e) {
            throw ApiException.invalid(null, "could not read the request body: " + e.getMessage());
        }
        if (bytes.length == 0) throw ApiException.invalid(null, "the request body is empty; send a JSON object");
        JsonNode node;
        try {
            node = json.readTree(bytes);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiException.invalid(null, "could not read the request body: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object, got " + (node == null ? "nothing" : JsonFields.describe(node)));
        }
        return node;
    }

    /** Bodies up to this size are read and dropped before a 413, so the client reads the answer. */
    private static final long DRAIN_LIMIT = 64L << 20;

    /**
     * The 413. A client still uploading when the server closes the connection gets a TCP reset that
     * wipes the unread answer from its buffer (it sees "connection reset", never the 413), so the rest
     * of a body up to {@link #DRAIN_LIMIT} is read and dropped first; a client that sent
     * {@code Expect: 100-continue} has sent nothing yet and is answered at once.
     */
    private static ApiException tooLarge(Context ctx, long size, long limit) {
        ctx.header("Connection", "close");
        boolean waitsForContinue = "100-continue".equalsIgnoreCase(ctx.req().getHeader("Expect"));
        if (!waitsForContinue && size <= DRAIN_LIMIT) {
            try {
                InputStream in = ctx.req().getInputStream();
                byte[] sink = new byte[64 << 10];
                for (long left = DRAIN_LIMIT, n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) left -= n;
            } catch (IOException ignored) {
                // the client went away; nothing to answer
            }
        }
        return tooLarge(size, limit);
    }

    private static ApiException tooLarge(long size, long limit) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large", "The request body"
                + (size > 0 ? " of " + size + " bytes" : "") + " is larger than this server's limit of " + limit + " bytes");
    }

    private void sendJson(Context ctx, int status, JsonNode body) {
        ctx.attribute(ANSWERED, Boolean.TRUE);
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode models() {
        ObjectNode root = json.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        if (served != null) data.add(modelCard(served.name()));
        if (embeddings != null) data.add(modelCard(embeddings.name()));
        return root;
    }

    private ObjectNode modelCard(String id) {
        ObjectNode m = json.createObjectNode();
        m.put("id", id).put("object", "model").put("created", created).put("owned_by", "jllm");
        return m;
    }

    private void model(Context ctx, String id) {
        boolean known = (served != null && served.name().equals(id)) || (embeddings != null && embeddings.name().equals(id));
        if (!known) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                    "The model '" + id + "' does not exist (see GET /v1/models)");
        }
        sendJson(ctx, 200, modelCard(id));
    }

    private void health(Context ctx) {
        ObjectNode h = json.createObjectNode().put("status", "ok");
        if (served != null) {
            EngineStats s = served.engine().stats();
            h.put("model", served.name()).put("context_length", served.contextLength())
                    .put("running", s.running()).put("queued", s.queued())
                    .put("kv_blocks_free", s.kvBlocksFree()).put("kv_blocks_total", s.kvBlocksTotal());
        }
        if (embeddings != null) h.put("embedding_model", embeddings.name());
        sendJson(ctx, 200, h);
    }

    private void embed(Context ctx) {
        if (embeddings == null) {
            throw ApiException.invalid("model", "this server has no embedding model; start it with an encoder, "
                    + "e.g. jllm serve -m minilm (or --embedding-model minilm beside a language model)");
        }
        sendJson(ctx, 200, embeddings.handle(readJson(ctx)));
    }
}

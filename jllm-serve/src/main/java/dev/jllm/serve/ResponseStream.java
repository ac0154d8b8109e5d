package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The response of a generation request, written as it goes: Server-Sent Events
 * ({@code data: {...}} lines, then {@code data: [DONE]}) or one JSON body.
 *
 * <p>Why heartbeats: on HTTP/1.1 a server learns that a client left only when a write fails.
 * While nothing else is written, a heartbeat goes out every interval (an SSE comment line, or
 * for a JSON body a space, which JSON allows before the value), so a departed client is noticed
 * within about two intervals and its generation cancelled.
 */
final class ResponseStream {
    /** Opens the response once the request is accepted: SSE when streaming, else JSON. */
    interface Factory {
        ResponseStream open(boolean sse);
    }

    private static final byte[] SSE_HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JSON_HEARTBEAT = {' '};

    private final HttpServletResponse res;
    private final ObjectMapper json;
    private final boolean sse;
    private ServletOutputStream out;
    private long lastWriteNanos = System.nanoTime();

    ResponseStream(HttpServletResponse res, ObjectMapper json, boolean sse) {
        this.res = res;
        this.json = json;
        this.sse = sse;
    }

    boolean started() { return out != null; }

    private ServletOutputStream open() throws ClientGoneException {
        if (out == null) {
            res.setStatus(200);
            if (sse) {
                res.setContentType("text/event-stream; charset=utf-8");
                res.setHeader("Cache-Control", "no-cache");
                res.setHeader("X-Accel-Buffering", "no");
            } else {
                res.setContentType("application/json");
            }
            try {
                out = res.getOutputStream();
            } catch (IOException e) {
                throw new ClientGoneException(e);
            }
        }
        return out;
    }

    /** One SSE event {@code data: <json>}. */
    void event(JsonNode data) throws ClientGoneException {
        write(("data: " + toJson(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The stream's last event. */
    void done() throws ClientGoneException {
        write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** The whole JSON body (after any heartbeat spaces). */
    void body(JsonNode body) throws ClientGoneException {
        write(toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    /** An error after the response started: an SSE error event (then [DONE]), or the error object as the body. */
    void errorAfterStart(JsonNode error) throws ClientGoneException {
        if (sse) {
            event(error);
            done();
        } else {
            body(error);
        }
    }

    void heartbeat() throws ClientGoneException {
        write(sse ? SSE_HEARTBEAT : JSON_HEARTBEAT);
    }

    /** Sends a heartbeat if nothing was written for {@code intervalMs}. */
    void heartbeatIfIdle(long intervalMs) throws ClientGoneException {
        if (System.nanoTime() - lastWriteNanos >= intervalMs * 1_000_000L) heartbeat();
    }

    private void write(byte[] bytes) throws ClientGoneException {
        ServletOutputStream o = open();
        try {
            o.write(bytes);
            o.flush();
            lastWriteNanos = System.nanoTime();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    private String toJson(JsonNode n) {
        try {
            return json.writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException("could not serialize a response", e);
        }
    }
}

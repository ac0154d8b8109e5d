package dev.jllm.serve;

/**
 * HTTP-side limits of the server (the engine's own limits, --max-running, --max-queue and
 * --ctx, live in {@link dev.jllm.engine.batch.EngineConfig}).
 *
 * @param host          interface to listen on (127.0.0.1 = this machine only)
 * @param port          0 picks a free port
 * @param maxTokens     most tokens one choice may generate (a request asking more gets a 400)
 * @param maxBodyBytes  largest request body (beyond it: 413)
 * @param heartbeatMs   how often an idle response is probed for a departed client
 */
public record ServerConfig(String host, int port, int maxTokens, long maxBodyBytes, long heartbeatMs) {
    public ServerConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("the body limit must be at least 1024 bytes, got " + maxBodyBytes);
        if (heartbeatMs < 10) throw new IllegalArgumentException("heartbeat must be at least 10 ms, got " + heartbeatMs);
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, 2048, 4L << 20, 1000);
    }

    public ServerConfig withHost(String h) { return new ServerConfig(h, port, maxTokens, maxBodyBytes, heartbeatMs); }
    public ServerConfig withPort(int p) { return new ServerConfig(host, p, maxTokens, maxBodyBytes, heartbeatMs); }
    public ServerConfig withMaxTokens(int m) { return new ServerConfig(host, port, m, maxBodyBytes, heartbeatMs); }
    public ServerConfig withMaxBodyBytes(long b) { return new ServerConfig(host, port, maxTokens, b, heartbeatMs); }
    public ServerConfig withHeartbeatMs(long h) { return new ServerConfig(host, port, maxTokens, maxBodyBytes, h); }
}

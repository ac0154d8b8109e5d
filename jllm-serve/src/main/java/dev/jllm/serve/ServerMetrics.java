package dev.jllm.serve;

import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.engine.batch.FinishReason;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * What GET /metrics exposes, in the Prometheus text format: requests by endpoint and status,
 * tokens in and out, the engine's queue, running sequences, KV blocks and prefix cache, and
 * latency histograms (time to first token, time per output token, whole request).
 */
final class ServerMetrics {
    private static final double[] TTFT_BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final double[] TPOT_BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5};
    private static final double[] E2E_BOUNDS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder cachedPromptTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final Histogram ttft = new Histogram("jllm_time_to_first_token_seconds",
            "Time from request arrival to its first generated token.", TTFT_BOUNDS);
    private final Histogram tpot = new Histogram("jllm_time_per_output_token_seconds",
            "Mean time between generated tokens of a request, after the first.", TPOT_BOUNDS);
    private final Histogram e2e = new Histogram("jllm_request_duration_seconds",
            "Time from request arrival to its last generated token.", E2E_BOUNDS);
    private final Supplier<EngineStats> engine;
    private final long startNanos = System.nanoTime();

    ServerMetrics(Supplier<EngineStats> engine) {
        this.engine = engine;
    }

    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** One finished generation (one choice). */
    void generation(Completion c) {
        generation(c.usage().promptTokens(), c.usage().cachedPromptTokens(), c.usage().completionTokens(),
                c.timings().ttftMs(), c.timings().decodeTps(), c.timings().totalMs(), c.reason() == FinishReason.CANCELLED);
    }

    /** {@code ttftMs} / {@code decodeTps} may be NaN. */
    void generation(int prompt, int cached, int completion, double ttftMs, double decodeTps, double totalMs, boolean wasCancelled) {
        promptTokens.add(prompt);
        cachedPromptTokens.add(cached);
        completionTokens.add(completion);
        if (wasCancelled) cancelled.increment();
        if (!Double.isNaN(ttftMs)) ttft.observe(ttftMs / 1000);
        if (decodeTps > 0 && Double.isFinite(decodeTps)) tpot.observe(1 / decodeTps);
        if (!Double.isNaN(totalMs)) e2e.observe(totalMs / 1000);
    }

    long requestCount(String endpoint, int status) {
        LongAdder a = requests.get(endpoint + "\u0000" + status);
        return a == null ? 0 : a.sum();
    }

    String exposition() {
        StringBuilder out = new StringBuilder(4096);
        PrometheusText.header(out, "jllm_requests_total", "counter", "HTTP requests by endpoint and status code.");
        Map<String, Long> sorted = new TreeMap<>();
        requests.forEach((k, v) -> sorted.put(k, v.sum()));
        sorted.forEach((k, v) -> {
            int cut = k.indexOf('\u0000');
            out.append("jllm_requests_total{endpoint=\"").append(PrometheusText.label(k.substring(0, cut)))
                    .append("\",status=\"").append(k.substring(cut + 1)).append("\"} ").append(v).append('\n');
        });
        PrometheusText.metric(out, "jllm_prompt_tokens_total", "counter", "Prompt tokens of finished generations.", promptTokens.sum());
        PrometheusText.metric(out, "jllm_prompt_tokens_cached_total", "counter", "Prompt tokens whose KV came from the prefix cache.", cachedPromptTokens.sum());
        PrometheusText.metric(out, "jllm_generation_tokens_total", "counter", "Tokens generated.", completionTokens.sum());
        PrometheusText.metric(out, "jllm_generations_cancelled_total", "counter", "Generations cancelled (client gone or stop).", cancelled.sum());
        EngineStats s = engine.get();
        PrometheusText.metric(out, "jllm_queue_depth", "gauge", "Requests waiting for the engine.", s.queued());
        PrometheusText.metric(out, "jllm_running_sequences", "gauge", "Sequences decoding now.", s.running());
        PrometheusText.metric(out, "jllm_kv_blocks_total", "gauge", "Blocks in the paged KV pool.", s.kvBlocksTotal());
        PrometheusText.metric(out, "jllm_kv_blocks_used", "gauge", "KV blocks referenced by running sequences.", s.kvBlocksUsed());
        PrometheusText.metric(out, "jllm_kv_blocks_free", "gauge", "KV blocks free or holding only cached prefixes.", s.kvBlocksFree());
        PrometheusText.metric(out, "jllm_kv_blocks_cached", "gauge", "Free KV blocks kept for the prefix cache.", s.kvBlocksCached());
        PrometheusText.metric(out, "jllm_kv_block_size_tokens", "gauge", "Tokens per KV block.", s.blockSize());
        PrometheusText.metric(out, "jllm_prefix_cache_lookups_total", "counter", "Full prompt blocks looked up in the prefix cache.", s.prefixLookups());
        PrometheusText.metric(out, "jllm_prefix_cache_hits_total", "counter", "Prompt blocks found in the prefix cache.", s.prefixHits());
        PrometheusText.metric(out, "jllm_prefix_cache_hit_rate", "gauge", "Prefix cache hits / lookups since start.", s.prefixHitRate());
        PrometheusText.metric(out, "jllm_preemptions_total", "counter", "Sequences preempted for lack of KV blocks.", s.preemptions());
        PrometheusText.metric(out, "jllm_engine_steps_total", "counter", "Batched forward steps run.", s.steps());
        PrometheusText.metric(out, "jllm_queue_rejections_total", "counter", "Submissions refused because the queue was full.", s.rejected());
        ttft.write(out);
        tpot.write(out);
        e2e.write(out);
        PrometheusText.metric(out, "jllm_uptime_seconds", "gauge", "Seconds since the server started.", (System.nanoTime() - startNanos) / 1e9);
        return out.toString();
    }
}

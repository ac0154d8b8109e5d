package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.SamplingParams;
import dev.jllm.engine.batch.BatchEngine;
import dev.jllm.engine.batch.Completion;
import dev.jllm.engine.batch.EngineConfig;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.engine.batch.FinishReason;
import dev.jllm.engine.batch.GenerationRequest;
import dev.jllm.engine.batch.RequestHandle;
import dev.jllm.engine.batch.TokenEvent;
import dev.jllm.engine.batch.TokenListener;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code jllm bench serve}: the server measured end to end over loopback HTTP with streaming
 * clients. For each concurrency level, that many clients send streaming /v1/completions
 * requests at once (token-id prompts of a fixed length, {@code ignore_eos} so every request
 * generates exactly {@code gen} tokens); reported are the aggregate output tok/s (prefill
 * included), the aggregate decode tok/s (each stream's rate after its first token, times the
 * streams), and client-side time to first token (p50, p99). A last round compares prompts that
 * share a long prefix with prompts that share nothing, to show the prefix cache.
 *
 * <p>With {@code engineOnly} the same rounds drive the {@link BatchEngine} directly (no HTTP,
 * no JSON), which separates the batched forward's scaling from the server's own cost.
 */
public final class ServeBench {
    /** One concurrency level. */
    public record Level(int concurrency, int requests, long tokens, double seconds, double outputTps, double perStreamTps,
                        double decodeTps, double ttftP50Ms, double ttftP99Ms) {}

    /** The prefix-cache round: same concurrency and lengths, shared vs unique prompt prefixes. */
    public record PrefixEffect(int concurrency, int prefixTokens, int promptTokens, double ttftP50SharedMs,
                               double ttftP50UniqueMs, double hitRate, long cachedPromptTokens) {}

    public record Result(String model, String device, String path, int promptTokens, int genTokens, List<Level> levels,
                         PrefixEffect prefix) {
        /** Aggregate output tok/s at the last level over the first level's. */
        public double speedup() {
            return levels.size() < 2 ? 1 : levels.getLast().outputTps() / levels.getFirst().outputTps();
        }

        /** Aggregate decode tok/s at the last level over the first level's. */
        public double decodeSpeedup() {
            return levels.size() < 2 ? 1 : levels.getLast().decodeTps() / levels.getFirst().decodeTps();
        }
    }

    /** One request's client-side view: nanoTime of the first and last token, tokens generated. */
    private record Stream(long firstNanos, long lastNanos, long tokens) {}

    /** Sends one request and waits for its last token. */
    private interface Client {
        Stream send(int[] prompt, int gen) throws IOException, InterruptedException;
    }

    private final PrintStream log;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public ServeBench(PrintStream log) { this.log = log; }

    /**
     * @param rounds     requests each client sends one after another at every level (more: steadier figures)
     * @param engineOnly drive the engine directly instead of going through HTTP
     */
    public Result run(Path model, int[] levels, int promptLen, int gen, int rounds, EngineConfig engine, boolean engineOnly)
            throws IOException, InterruptedException {
        if (rounds < 1) throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        int maxC = Arrays.stream(levels).max().orElse(1);
        int prefixLen = promptLen * 3 / 4;
        EngineConfig cfg = engine.withMaxRunning(Math.max(engine.maxRunning(), maxC)).withMaxQueue(Math.max(engine.maxQueue(), 4 * maxC))
                .withContextLength(Math.min(engine.contextLength(), promptLen + gen + 16));
        try (LocalServer s = LocalServer.start(new LocalServer.Options(model, null, "bench", cfg,
                ServerConfig.defaults().withPort(0).withMaxTokens(gen), true))) {
            String url = s.server().url();
            Client client = engineOnly ? (p, g) -> direct(s.engine(), p, g) : (p, g) -> stream(url, p, g);
            int vocab = s.model().tokenizer().vocabSize();
            SplittableRandom rnd = new SplittableRandom(1234);
            log.printf("bench serve: %s, %s, prompt %d tokens, %d generated per request, KV pool %d blocks of %d%n",
                    model.getFileName(), engineOnly ? "engine only (no HTTP)" : "HTTP streaming clients", promptLen, gen,
                    s.engine().kvBlocks(), cfg.blockSize());
            // Warm-up, not measured: page faults of the weights, and the JIT on both the one-token
            // and the batched paths (a cold 1-stream level would understate the baseline).
            round(client, 1, 1, uniquePrompts(rnd, 1, promptLen, vocab), Math.min(gen, 16));
            int w = Math.min(maxC, 4);
            if (w > 1) round(client, w, w, uniquePrompts(rnd, w, promptLen, vocab), Math.min(gen, 16));
            List<Level> out = new ArrayList<>();
            for (int c : levels) {
                int requests = Math.max(2, c * rounds);
                Level l = round(client, c, requests, uniquePrompts(rnd, requests, promptLen, vocab), gen);
                out.add(l);
                log.printf("  %2d streams: decode %6.1f tok/s aggregate (x%.2f), output %6.1f tok/s with prefill, %5.1f per stream,"
                                + " TTFT p50 %.0f ms, p99 %.0f ms (%d requests, %.1f s)%n",
                        c, l.decodeTps(), l.decodeTps() / out.getFirst().decodeTps(), l.outputTps(), l.perStreamTps(),
                        l.ttftP50Ms(), l.ttftP99Ms(), l.requests(), l.seconds());
            }
            int c = Math.min(maxC, 8);
            int prefixGen = Math.min(gen, 4);
            Level unique = round(client, c, c, uniquePrompts(rnd, c, promptLen, vocab), prefixGen);
            EngineStats before = s.engine().stats();
            int[] shared = uniquePrompts(rnd, 1, prefixLen, vocab).getFirst();
            round(client, 1, 1, List.of(withSuffix(shared, rnd, promptLen, vocab)), 1); // puts the prefix in the cache
            Level sharedLevel = round(client, c, c, sharedPrompts(shared, rnd, c, promptLen, vocab), prefixGen);
            EngineStats after = s.engine().stats();
            long lookups = after.prefixLookups() - before.prefixLookups(), hits = after.prefixHits() - before.prefixHits();
            PrefixEffect pe = new PrefixEffect(c, prefixLen, promptLen, sharedLevel.ttftP50Ms(), unique.ttftP50Ms(),
                    lookups == 0 ? 0 : (double) hits / lookups, after.cachedPromptTokens() - before.cachedPromptTokens());
            log.printf("  prefix cache (%d streams, %d of %d prompt tokens shared): TTFT p50 %.0f ms shared vs %.0f ms unique, block hit rate %.0f%%%n",
                    c, prefixLen, promptLen, pe.ttftP50SharedMs(), pe.ttftP50UniqueMs(), 100 * pe.hitRate());
            return new Result(model.getFileName().toString(), Runtime.getRuntime().availableProcessors() + " cores",
                    engineOnly ? "engine" : "http", promptLen, gen, out, pe);
        }
    }

    public ObjectNode toJson(Result r) {
        ObjectNode o = json.createObjectNode();
        o.put("model", r.model()).put("device", r.device()).put("path", r.path()).put("prompt_tokens", r.promptTokens())
                .put("gen_tokens", r.genTokens());
        ArrayNode ls = o.putArray("levels");
        for (Level l : r.levels()) {
            ls.addObject().put("concurrency", l.concurrency()).put("requests", l.requests()).put("tokens", l.tokens())
                    .put("seconds", l.seconds()).put("output_tps", l.outputTps()).put("per_stream_tps", l.perStreamTps())
                    .put("decode_tps", l.decodeTps())
                    .put("ttft_p50_ms", l.ttftP50Ms()).put("ttft_p99_ms", l.ttftP99Ms());
        }
        o.put("speedup_max_vs_1", r.speedup()).put("decode_speedup_max_vs_1", r.decodeSpeedup());
        PrefixEffect p = r.prefix();
        o.putObject("prefix_cache").put("concurrency", p.concurrency()).put("shared_prefix_tokens", p.prefixTokens())
                .put("prompt_tokens", p.promptTokens()).put("ttft_p50_ms_shared", p.ttftP50SharedMs())
                .put("ttft_p50_ms_unique", p.ttftP50UniqueMs()).put("block_hit_rate", p.hitRate())
                .put("cached_prompt_tokens", p.cachedPromptTokens());
        return o;
    }

    private static List<int[]> uniquePrompts(SplittableRandom rnd, int count, int len, int vocab) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] p = new int[len];
            for (int k = 0; k < len; k++) p[k] = rnd.nextInt(vocab);
            out.add(p);
        }
        return out;
    }

    private static int[] withSuffix(int[] prefix, SplittableRandom rnd, int len, int vocab) {
        int[] p = Arrays.copyOf(prefix, len);
        for (int k = prefix.length; k < len; k++) p[k] = rnd.nextInt(vocab);
        return p;
    }

    private static List<int[]> sharedPrompts(int[] prefix, SplittableRandom rnd, int count, int len, int vocab) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(withSuffix(prefix, rnd, len, vocab));
        return out;
    }

    /** {@code requests} prompts through {@code concurrency} clients; every stream must complete. */
    private Level round(Client client, int concurrency, int requests, List<int[]> prompts, int gen) throws InterruptedException {
        double[] ttft = new double[requests], decode = new double[requests];
        long[] tokens = new long[requests];
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            int[] next = {0};
            for (int w = 0; w < concurrency; w++) {
                fs.add(pool.submit(() -> {
                    while (true) {
                        int i;
                        synchronized (next) {
                            if (next[0] >= requests) return null;
                            i = next[0]++;
                        }
                        long start = System.nanoTime();
                        Stream r = client.send(prompts.get(i), gen);
                        ttft[i] = (r.firstNanos() - start) / 1e6;
                        tokens[i] = r.tokens();
                        decode[i] = r.tokens() < 2 || r.lastNanos() <= r.firstNanos() ? Double.NaN
                                : (r.tokens() - 1) / ((r.lastNanos() - r.firstNanos()) / 1e9);
                    }
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a benchmark request failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long total = Arrays.stream(tokens).sum();
        double[] sorted = ttft.clone();
        Arrays.sort(sorted);
        // Streams decode side by side, so the aggregate decode rate is the streams' mean rate times their number.
        double meanDecode = Arrays.stream(decode).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN);
        return new Level(concurrency, requests, total, secs, total / secs, total / secs / concurrency,
                meanDecode * concurrency, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    /** One request straight into the engine, no stop ids (as {@code ignore_eos}). */
    private static Stream direct(BatchEngine engine, int[] prompt, int gen) throws InterruptedException {
        long[] first = {0}, last = {0};
        RequestHandle h = engine.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), gen), new TokenListener() {
            @Override public void onToken(TokenEvent e) {
                long now = System.nanoTime();
                if (e.index() == 0) first[0] = now;
                last[0] = now;
            }
            @Override public void onComplete(Completion c) { }
        });
        Completion c;
        try {
            c = h.completion().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (c.reason() == FinishReason.ERROR) throw new IllegalStateException("engine error: " + c.error());
        // The listener runs on the engine thread; the future's completion publishes its writes.
        return new Stream(first[0] == 0 ? System.nanoTime() : first[0], last[0], c.usage().completionTokens());
    }

    private static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** One streaming request over HTTP. */
    private Stream stream(String url, int[] prompt, int gen) throws IOException, InterruptedException {
        ObjectNode body = json.createObjectNode().put("model", "bench").put("max_tokens", gen).put("temperature", 0)
                .put("stream", true).put("ignore_eos", true);
        body.putObject("stream_options").put("include_usage", true);
        ArrayNode p = body.putArray("prompt");
        for (int id : prompt) p.add(id);
        HttpResponse<java.util.stream.Stream<String>> res = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build(), HttpResponse.BodyHandlers.ofLines());
        if (res.statusCode() != 200) {
            throw new IOException("HTTP " + res.statusCode() + ": " + String.join("\n", res.body().toList()));
        }
        long first = 0, last = 0, tokens = -1;
        boolean done = false;
        try (java.util.stream.Stream<String> lines = res.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data: ")) continue;
                String data = line.substring(6);
                if (data.equals("[DONE]")) { done = true; break; }
                JsonNode chunk = json.readTree(data);
                if (chunk.has("error")) throw new IOException("stream error: " + chunk.get("error").path("message").asText());
                JsonNode choice = chunk.path("choices").path(0);
                if (first == 0 && !choice.path("text").asText().isEmpty()) first = System.nanoTime();
                if (!choice.path("text").asText().isEmpty() || choice.hasNonNull("finish_reason")) last = System.nanoTime();
                JsonNode u = chunk.get("usage");
                if (u != null && !u.isNull()) tokens = u.path("completion_tokens").asLong();
            }
        }
        if (!done || tokens < 0) throw new IOException("the stream ended without [DONE] and usage");
        return new Stream(first == 0 ? System.nanoTime() : first, last, tokens);
    }
}

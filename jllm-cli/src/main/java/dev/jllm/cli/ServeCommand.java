package dev.jllm.cli;

import dev.jllm.engine.batch.EngineConfig;
import dev.jllm.models.Encoder;
import dev.jllm.serve.LocalServer;
import dev.jllm.serve.OpenAiServer;
import dev.jllm.serve.ServerConfig;
import dev.jllm.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve",
        header = "Serve a model over an OpenAI-compatible HTTP API, with a web chat on /.",
        mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API (chat, completions, embeddings; SSE streaming),",
                "with a web chat page at / and Prometheus metrics at /metrics. Requests are batched continuously",
                "on a paged KV cache with prefix caching. Stop with Ctrl-C.",
                "  jllm serve                      (jllm's own model on http://127.0.0.1:8080)",
                "  jllm serve -m model.gguf --port 9000 --max-running 8",
                "  jllm serve -m minilm            (embeddings only: POST /v1/embeddings)"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = {"A .gguf file or Hugging Face directory (default: jllm's own model, " + DefaultModel.RELATIVE + "),",
                    "or an encoder ('minilm', a BERT .gguf/.onnx/directory) to serve embeddings only."})
    String model;

    @Option(names = "--embedding-model", paramLabel = "ENCODER",
            description = "Also serve /v1/embeddings with this encoder ('minilm' or a path) beside the language model.")
    String embeddingModel;

    @Option(names = "--name", paramLabel = "ID", description = "Model id clients send (default: the file name).")
    String name;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 = all).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--max-running", defaultValue = "16", description = "Most requests decoding together (default: ${DEFAULT-VALUE}).")
    int maxRunning;

    @Option(names = "--max-queue", defaultValue = "256", description = "Most requests waiting; beyond it: 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-tokens", defaultValue = "2048", description = "Most tokens one completion may ask for (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--ctx", defaultValue = "4096", description = "Most tokens (prompt + completion) per request, capped by the model (default: ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--kv-type", defaultValue = "F16", converter = KvTypeOption.Converter.class, description = "KV cache type: F32, F16 or Q8_0 (default: ${DEFAULT-VALUE}).")
    DType kvType;

    @Option(names = "--kv-blocks", defaultValue = "0", description = "KV pool blocks (default: enough for --max-running full contexts, up to --kv-max-mb).")
    int kvBlocks;

    @Option(names = "--kv-max-mb", defaultValue = "2048", description = "Memory cap of the automatic KV pool in MiB (default: ${DEFAULT-VALUE}).")
    long kvMaxMb;

    @Option(names = "--block-size", defaultValue = "16", description = "Tokens per KV block (default: ${DEFAULT-VALUE}).")
    int blockSize;

    @Option(names = "--step-tokens", defaultValue = "512", description = "Most tokens one batched step runs (decodes + prompt chunks) (default: ${DEFAULT-VALUE}).")
    int stepTokens;

    @Option(names = "--no-prefix-cache", description = "Do not reuse KV blocks of identical prompt prefixes.")
    boolean noPrefixCache;

    @Option(names = "--max-body-mb", defaultValue = "4", description = "Largest request body in MiB; beyond it: 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyMb;

    @Option(names = "--warmup-ms", defaultValue = "10000", paramLabel = "MS",
            description = "Before listening, send a few throwaway requests through the whole server (HTTP, template, "
                    + "engine) so the JIT has compiled it and the first clients get a warm server; stops when they are "
                    + "done or after MS; 0 skips it (default: ${DEFAULT-VALUE}).")
    long warmupMs;

    @Override
    public Integer call() throws Exception {
        boolean encoderOnly = model != null && LocalServer.isEncoder(model);
        if (warmupMs < 0) throw new IllegalArgumentException("--warmup-ms must be 0 (no warm-up) or more, got " + warmupMs);
        if (encoderOnly && embeddingModel != null) throw new IllegalArgumentException("-m names an encoder already; drop --embedding-model");
        Path lm = encoderOnly ? null : DefaultModel.resolve(model == null ? null : Path.of(model));
        LocalServer.Options o = new LocalServer.Options(lm, encoderOnly ? model : embeddingModel, name,
                engineConfig(maxRunning, maxQueue, ctx, kvType, kvBlocks, blockSize, stepTokens, !noPrefixCache, kvMaxMb),
                ServerConfig.defaults().withHost(host).withPort(port).withMaxTokens(maxTokens).withMaxBodyBytes(maxBodyMb << 20),
                false, warmupMs);
        if (encoderOnly && model.equals(Encoder.MINILM)) System.err.println("jllm serve: loading the bundled all-MiniLM-L6-v2 encoder");
        if (lm != null && warmupMs > 0) System.err.printf("jllm serve: warming up (at most %.1f s; --warmup-ms 0 skips it)%n", warmupMs / 1000.0);
        LocalServer server = LocalServer.start(o);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "jllm-serve-shutdown"));
        OpenAiServer s = server.server();
        if (s.served() != null) {
            System.out.printf("jllm serve: %s (context %d, up to %d running, %d queued, KV %s)%n", s.served().name(),
                    s.served().contextLength(), maxRunning, maxQueue, kvType);
            if (!s.served().ownTemplate()) System.out.println("jllm serve: the model has no chat template; chat uses ChatML");
        }
        System.out.println("jllm serve: listening on " + s.url() + "  (OpenAI API at " + s.url() + "/v1, web chat at "
                + s.url() + "/, metrics at " + s.url() + "/metrics)");
        System.out.flush();
        stopped.await();
        return 0;
    }

    static EngineConfig engineConfig(int maxRunning, int maxQueue, int ctx, DType kvType, int kvBlocks, int blockSize,
                                     int stepTokens, boolean prefixCache, long kvMaxMb) {
        if (maxRunning < 1) throw new IllegalArgumentException("--max-running must be at least 1, got " + maxRunning);
        if (maxQueue < 0) throw new IllegalArgumentException("--max-queue must be at least 0, got " + maxQueue);
        if (ctx < 2) throw new IllegalArgumentException("--ctx must be at least 2, got " + ctx);
        return EngineConfig.defaults().withMaxRunning(maxRunning).withMaxQueue(maxQueue).withContextLength(ctx)
                .withKvType(kvType).withKvBlocks(kvBlocks).withBlockSize(blockSize)
                .withStepTokenBudget(Math.max(stepTokens, maxRunning)).withPrefixCaching(prefixCache).withKvMaxBytes(kvMaxMb << 20);
    }
}

package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The non-Llama families under continuous batching: GPT-2 ({@code gpt2-tiny}) and DeepSeek-V2
 * with its paged latent rows ({@code deepseek2-lite}), reference files without a vocabulary (so
 * prompts go as token ids), served over HTTP with an F16 KV pool; concurrent greedy requests,
 * batched into the same steps, each continue the prompt exactly as PyTorch does
 * (tools/models/gpt2_reference.py's and deepseek2_reference.py's greedy.txt).
 */
class BatchedFamiliesServeTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "deepseek2-lite"})
    void concurrentGreedyCompletionsMatchPyTorch(String variant) throws Exception {
        Path dir = Path.of("../jllm-models/src/test/resources/models", variant);
        int[] prompt = ids(Files.readAllLines(dir.resolve("golden.txt")).getFirst());
        int[] greedy = ids(Files.readString(dir.resolve("greedy.txt")));
        var engine = ServerFixture.engineConfig().withContextLength(64).withKvType(DType.F16).withBlockSize(8).withKvBlocks(0);
        LocalServer.Options o = new LocalServer.Options(dir.resolve("model.gguf"), null, variant, engine,
                ServerConfig.defaults().withPort(0), true, 0);
        ObjectMapper json = new ObjectMapper();
        String body = "{\"model\":\"" + variant + "\",\"prompt\":" + Arrays.toString(prompt) + ",\"max_tokens\":" + greedy.length
                + ",\"temperature\":0,\"ignore_eos\":true}";
        try (LocalServer s = LocalServer.start(o); HttpClient http = HttpClient.newHttpClient()) {
            List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                rs.add(http.sendAsync(HttpRequest.newBuilder(URI.create(s.server().url() + "/v1/completions"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : rs) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode c = json.readTree(r.body());
                String text = c.at("/choices/0/text").asText();
                assertThat(ids(text.replace("<", "").replace(">", ""))).as("greedy continuation over HTTP").containsExactly(greedy);
                assertThat(c.at("/usage/completion_tokens").asInt()).isEqualTo(greedy.length);
            }
            EngineStats st = s.engine().stats();
            assertThat(st.completed()).isEqualTo(4);
            assertThat(st.steps()).as("the four ran in shared steps").isLessThan(4L * greedy.length);
        }
    }

    static int[] ids(String line) {
        return Arrays.stream(line.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }
}

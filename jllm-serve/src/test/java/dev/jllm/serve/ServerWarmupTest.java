package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jllm.engine.batch.EngineStats;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code jllm serve --warmup-ms}: the warm-up runs real requests through a private server and
 * the engine (all of them, or as many as 1 to 100 ms allow), and the real server then starts as new
 * (no request, token or cached prefix of the warm-up in its stats or metrics) and answers like a
 * server that was never warmed.
 */
class ServerWarmupTest {
    static final String CHAT = "{\"model\":\"tiny-chat\",\"max_tokens\":12,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    @Test
    void aWarmedServerStartsWithCleanStatsAndAnswersLikeAColdOne() throws Exception {
        String warmText = null, coldText = null;
        for (long warmup : new long[]{60_000, 1, 3, 10, 30, 100, 0}) {
            LocalServer.Options o = new LocalServer.Options(TinyChatModel.path(), null, "tiny-chat", ServerFixture.engineConfig(),
                    ServerConfig.defaults().withPort(0), false, warmup);
            try (LocalServer s = LocalServer.start(o); HttpClient http = HttpClient.newHttpClient()) {
                EngineStats st = s.engine().stats();
                assertThat(new long[]{st.completed(), st.steps(), st.promptTokens(), st.generatedTokens(), st.prefixLookups(), st.rejected()})
                        .as("warm-up %d ms leaves no trace in the engine stats", warmup).containsOnly(0L);
                assertThat(st.kvBlocksCached()).isZero();
                String metrics = s.server().metricsText();
                assertThat(metrics).doesNotContain("jllm_requests_total{");
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.server().url() + "/v1/chat/completions"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode body = new ObjectMapper().readTree(r.body());
                String text = body.at("/choices/0/message/content").asText();
                if (warmup == 60_000) warmText = text; else if (warmup == 0) coldText = text;
                assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asInt(0)).as("no prefix cached by the warm-up").isZero();
                assertThat(s.engine().stats().completed()).isEqualTo(1);
            }
        }
        assertThat(warmText).isEqualTo(coldText);
    }
}

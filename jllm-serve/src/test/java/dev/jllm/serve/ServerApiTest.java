package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.jllm.engine.batch.EngineStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Models, completions, health, metrics, the web page, every error shape, and cancel-on-disconnect. */
class ServerApiTest {
    static ServerFixture fx;
    static OpenAIClient client;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        fx = ServerFixture.start();
        client = OpenAIOkHttpClient.builder().baseUrl(fx.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (fx != null) fx.close();
    }

    static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e).as(r.body()).isNotNull();
        assertThat(e.has("message") && e.has("type") && e.has("param") && e.has("code")).isTrue();
        assertThat(r.body()).doesNotContain("at dev.jllm", "Exception:");
        return e;
    }

    @Test
    void listsTheModel() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly(ServerFixture.MODEL);
        assertThat(client.models().retrieve(ServerFixture.MODEL).ownedBy()).isEqualTo("jllm");
    }

    @Test
    void textCompletionWithEchoAndTokenIdPrompt() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(ServerFixture.MODEL)
                .prompt("The river was").maxTokens(8).temperature(0.0).echo(true).build());
        c.validate();
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().getFirst().text()).startsWith("The river was");
        int[] ids = fx.model.tokenizer().encode("The river was", true, true);
        Completion byIds = client.completions().create(CompletionCreateParams.builder().model(ServerFixture.MODEL)
                .prompt(CompletionCreateParams.Prompt.ofArrayOfTokens(java.util.Arrays.stream(ids).mapToLong(i -> i).boxed().toList()))
                .maxTokens(8).temperature(0.0).build());
        assertThat("The river was" + byIds.choices().getFirst().text()).isEqualTo(c.choices().getFirst().text());
        assertThat(byIds.usage().orElseThrow().promptTokens()).isEqualTo(ids.length);
    }

    @Test
    void bestOfPicksTheLikeliestAndLegacyLogprobsLineUp() throws Exception {
        String body = "{\"model\":\"tiny-chat\",\"prompt\":[\"A\",\"B\"],\"max_tokens\":5,\"n\":2,\"best_of\":3,\"logprobs\":2,\"seed\":3,\"ignore_eos\":true}";
        JsonNode r = JSON.readTree(fx.post("/v1/completions", body).body());
        assertThat(r.get("choices")).hasSize(4);
        for (int i = 0; i < 4; i++) {
            JsonNode ch = r.get("choices").get(i);
            assertThat(ch.get("index").asInt()).isEqualTo(i);
            JsonNode lp = ch.get("logprobs");
            assertThat(lp.get("tokens")).hasSize(5);
            assertThat(lp.get("token_logprobs")).hasSize(5);
            assertThat(lp.get("top_logprobs").get(0).size()).isBetween(1, 2);
            StringBuilder joined = new StringBuilder();
            for (JsonNode t : lp.get("tokens")) joined.append(t.asText());
            assertThat(joined.toString()).isEqualTo(ch.get("text").asText());
        }
        // Within a prompt, the first returned choice has the higher mean log-probability.
        for (int p = 0; p < 2; p++) {
            assertThat(mean(r.get("choices").get(2 * p))).isGreaterThanOrEqualTo(mean(r.get("choices").get(2 * p + 1)));
        }
        assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(2 * 3 * 5); // every candidate counts
    }

    private static double mean(JsonNode choice) {
        double s = 0;
        for (JsonNode v : choice.get("logprobs").get("token_logprobs")) s += v.asDouble();
        return s / choice.get("logprobs").get("token_logprobs").size();
    }

    @Test
    void healthMetricsAndWebPage() throws Exception {
        assertThat(JSON.readTree(fx.get("/health").body()).get("status").asText()).isEqualTo("ok");
        fx.post("/v1/chat/completions", "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}");
        HttpResponse<String> m = fx.get("/metrics");
        assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        assertThat(m.body()).contains("jllm_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"}",
                "jllm_prompt_tokens_total", "jllm_generation_tokens_total", "jllm_queue_depth", "jllm_running_sequences",
                "jllm_kv_blocks_used", "jllm_kv_blocks_free", "jllm_prefix_cache_hit_rate",
                "jllm_time_to_first_token_seconds_bucket{le=\"+Inf\"}", "jllm_time_per_output_token_seconds_count");
        for (String line : m.body().split("\n")) {
            if (line.startsWith("#")) assertThat(line).matches("# (HELP|TYPE) [a-z_]+ .+");
            else assertThat(line).matches("[a-z_]+(\\{[^}]*})? [-+0-9.eEInfNa]+");
        }
        HttpResponse<String> page = fx.get("/");
        assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<title>jllm chat</title>", "/v1/chat/completions").doesNotContain("http://", "https://cdn");
    }

    @Test
    void malformedJsonWrongTypesAndMissingFieldsAre400NamingTheField() throws Exception {
        assertThat(error(fx.post("/v1/chat/completions", "{\"model\": \"tiny-chat\", \"messages\": ["), 400)
                .get("message").asText()).contains("not valid JSON");
        assertThat(error(fx.post("/v1/chat/completions", "[1,2]"), 400).get("message").asText()).contains("JSON object");
        assertThat(error(fx.post("/v1/chat/completions", "{\"model\":\"tiny-chat\"}"), 400).get("param").asText()).isEqualTo("messages");
        JsonNode e = error(fx.post("/v1/chat/completions",
                "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}]}"), 400);
        assertThat(e.get("param").asText()).isEqualTo("messages[1].content[0].text");
        assertThat(error(fx.post("/v1/chat/completions",
                "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"temperature\":\"hot\"}"), 400)
                .get("param").asText()).isEqualTo("temperature");
        assertThat(error(fx.post("/v1/chat/completions",
                "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"temperature\":3}"), 400)
                .get("message").asText()).contains("between 0 and 2");
        assertThat(error(fx.post("/v1/chat/completions",
                "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"wizard\",\"content\":\"a\"}]}"), 400)
                .get("param").asText()).isEqualTo("messages[0].role");
        assertThat(error(fx.post("/v1/chat/completions",
                "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"stop\":[1]}"), 400)
                .get("param").asText()).isEqualTo("stop[0]");
        assertThat(error(fx.post("/v1/completions", "{\"model\":\"tiny-chat\",\"prompt\":[1,-2]}"), 400)
                .get("param").asText()).isEqualTo("prompt[1]");
        assertThat(error(fx.post("/v1/completions", "{\"model\":\"tiny-chat\",\"prompt\":[1,999999]}"), 400)
                .get("message").asText()).contains("999999");
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(ServerFixture.MODEL)
                .addUserMessage("x").topLogprobs(3).build())).isInstanceOf(BadRequestException.class);
    }

    @Test
    void unknownModelIs404AndUnknownPathToo() throws Exception {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o")
                .addUserMessage("x").build())).isInstanceOf(NotFoundException.class).hasMessageContaining("gpt-4o");
        assertThat(error(fx.post("/v1/completions", "{\"model\":\"nope\",\"prompt\":\"a\"}"), 404).get("code").asText())
                .isEqualTo("model_not_found");
        assertThat(error(fx.get("/v1/models/nope"), 404).get("code").asText()).isEqualTo("model_not_found");
        assertThat(error(fx.get("/v2/whatever"), 404).get("code").asText()).isEqualTo("unknown_url");
    }

    @Test
    void promptPlusMaxTokensOverTheContextIs400WithBothNumbers() throws Exception {
        String longText = "word ".repeat(1200);
        JsonNode e = error(fx.post("/v1/completions", "{\"model\":\"tiny-chat\",\"prompt\":\"" + longText + "\",\"max_tokens\":10}"), 400);
        int promptTokens = fx.model.tokenizer().encode(longText, true, true).length;
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("message").asText()).contains(String.valueOf(TinyChatModel.CONTEXT), String.valueOf(promptTokens), "10 for the completion");
        JsonNode e2 = error(fx.post("/v1/chat/completions",
                "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1020}"), 400);
        assertThat(e2.get("message").asText()).contains("1020 for the completion", "1024");
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        String big = "{\"model\":\"tiny-chat\",\"prompt\":\"" + "a".repeat(5 << 20) + "\"}";
        assertThat(error(fx.post("/v1/completions", big), 413).get("code").asText()).isEqualTo("request_too_large");
        // a client that waits for "100 Continue" is answered before it uploads anything
        HttpResponse<String> early = fx.http.send(HttpRequest.newBuilder(URI.create(fx.url() + "/v1/completions"))
                .expectContinue(true).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(big))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(error(early, 413).get("message").asText()).contains("bytes is larger than this server's limit");
        // a chunked body has no declared length: it is cut off at the limit, and still answered
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> chunked = fx.http.send(HttpRequest.newBuilder(URI.create(fx.url() + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(error(chunked, 413).get("code").asText()).isEqualTo("request_too_large");
    }

    @Test
    void clientDisconnectCancelsTheGenerationAndFreesItsBlocks() throws Exception {
        String body = "{\"model\":\"tiny-chat\",\"prompt\":\"Once\",\"max_tokens\":900,\"stream\":true,\"ignore_eos\":true}";
        long cancelledBefore = cancelled();
        try (Socket s = new Socket("127.0.0.1", fx.server.port())) {
            OutputStream out = s.getOutputStream();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            int events = 0;
            for (String line; events < 3 && (line = in.readLine()) != null; ) if (line.startsWith("data: ")) events++;
            assertThat(events).isEqualTo(3);
            assertThat(fx.engine.stats().running()).isEqualTo(1);
        } // closes the connection mid-stream
        EngineStats idle = fx.awaitIdle(Duration.ofSeconds(10));
        assertThat(idle.running()).isZero();
        assertThat(idle.kvBlocksUsed()).isZero();
        assertThat(idle.kvBlocksFree()).isEqualTo(idle.kvBlocksTotal());
        assertThat(cancelled()).isEqualTo(cancelledBefore + 1);
        assertThat(idle.generatedTokens()).isLessThan(idle.promptTokens() + 900); // it did not run to the end
    }

    private static long cancelled() throws Exception {
        for (String line : fx.get("/metrics").body().split("\n")) {
            if (line.startsWith("jllm_generations_cancelled_total ")) return Long.parseLong(line.split(" ")[1]);
        }
        throw new AssertionError("no cancellation counter");
    }

    @Test
    void nonStreamingClientThatLeavesIsCancelledToo() throws Exception {
        String body = "{\"model\":\"tiny-chat\",\"prompt\":\"Once\",\"max_tokens\":900,\"ignore_eos\":true}";
        var future = fx.http.sendAsync(HttpRequest.newBuilder(URI.create(fx.url() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        long end = System.nanoTime() + 10_000_000_000L;
        while (fx.engine.stats().running() == 0 && System.nanoTime() < end) Thread.sleep(5);
        future.cancel(true);
        fx.http.shutdownNow();
        EngineStats idle = fx.awaitIdle(Duration.ofSeconds(15));
        assertThat(idle.running()).isZero();
        assertThat(idle.kvBlocksUsed()).isZero();
    }
}

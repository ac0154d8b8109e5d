package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.jllm.models.Encoder;
import dev.jllm.models.Pooling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * /v1/embeddings on an embeddings-only server with the bundled MiniLM (as {@code jllm serve -m minilm}
 * starts it). The vectors must be the encoder's own (MiniLM itself is checked against ONNX Runtime
 * in jllm-models, so the server shares one encoder with the test); what is tested here is the
 * wire format, both encodings, token counts and the errors.
 */
class EmbeddingsTest {
    static OpenAiServer server;
    static Encoder reference;
    static OpenAIClient client;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        // LocalServer.isEncoder("minilm") routes `jllm serve -m minilm` here: no language model, this encoder.
        assertThat(LocalServer.isEncoder(Encoder.MINILM)).isTrue();
        reference = Encoder.open(Encoder.MINILM, Pooling.MEAN, true);
        server = new OpenAiServer(null, reference, ServerConfig.defaults().withPort(0)).start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (server != null) server.close();
    }

    @Test
    void embeddingsEqualTheEncoders() {
        List<String> texts = List.of("The cat sat on the mat.", "Stock markets fell sharply today.");
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder().model(Encoder.MINILM)
                .inputOfArrayOfStrings(texts).build());
        float[][] want = reference.embed(texts);
        assertThat(r.data()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            List<Float> got = r.data().get(i).embedding();
            assertThat(got).hasSize(384);
            for (int d = 0; d < 384; d++) assertThat(got.get(d)).isCloseTo(want[i][d], within(1e-6f));
        }
        int tokens = reference.tokenize(texts.get(0)).length + reference.tokenize(texts.get(1)).length;
        assertThat(r.usage().promptTokens()).isEqualTo(tokens);
    }

    @Test
    void base64EncodingIsLittleEndianFloats() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var res = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/embeddings"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"minilm\",\"input\":\"hello\",\"encoding_format\":\"base64\"}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode e = JSON.readTree(res.body()).get("data").get(0);
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(e.get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] want = reference.embed(List.of("hello"))[0];
        for (float w : want) assertThat(b.getFloat()).isCloseTo(w, within(1e-6f));
        assertThat(b.remaining()).isZero();
    }

    @Test
    void errorsAreClear() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Function<String, java.net.http.HttpResponse<String>> post = body -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/embeddings"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception ex) {
                throw new RuntimeException(ex);
            }
        };
        assertThat(ServerApiTest.error(post.apply("{\"model\":\"minilm\",\"input\":[1,2]}"), 400).get("param").asText()).isEqualTo("input[0]");
        assertThat(ServerApiTest.error(post.apply("{\"model\":\"minilm\",\"input\":\"a\",\"dimensions\":128}"), 400).get("param").asText()).isEqualTo("dimensions");
        assertThat(ServerApiTest.error(post.apply("{\"model\":\"other\",\"input\":\"a\"}"), 404).get("code").asText()).isEqualTo("model_not_found");
        // An embeddings-only server has no language model: chat is a clear 400.
        var chat = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "/v1/chat/completions"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"minilm\",\"messages\":[]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(ServerApiTest.error(chat, 400).get("message").asText()).contains("embedding model only");
    }
}

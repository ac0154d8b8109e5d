package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code response_format: json_schema} without a {@code schema} means any JSON object (as in
 * OpenAI's API), not any JSON value: the random test model, sampling freely over 8 choices,
 * starts every one with an object.
 */
class JsonSchemaWithoutSchemaTest {
    static ServerFixture fx;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception { fx = ServerFixture.start(); }

    @AfterAll
    static void stop() { if (fx != null) fx.close(); }

    @Test
    void anAbsentSchemaMeansAnyObject() throws Exception {
        String body = """
                {"model":"tiny-chat","messages":[{"role":"user","content":"JSON"}],"n":8,"max_tokens":120,"temperature":1.0,"seed":9,
                 "response_format":{"type":"json_schema","json_schema":{"name":"anything"}}}""";
        JsonNode r = JSON.readTree(fx.post("/v1/chat/completions", body).body());
        assertThat(r.get("choices")).as(r.toString()).hasSize(8);
        for (JsonNode ch : r.get("choices")) {
            String text = ch.get("message").get("content").asText();
            assertThat(text.stripLeading()).as(text).startsWith("{");
            if (ch.get("finish_reason").asText().equals("stop")) assertThat(JSON.readTree(text).isObject()).as(text).isTrue();
        }
    }
}

package dev.jllm.serve;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * response_format through the OpenAI SDK: the tiny model writes whatever its random weights
 * like, so only constrained decoding can make its output valid; networknt's validator judges it.
 */
class StructuredOutputTest {
    static ServerFixture fx;
    static OpenAIClient client;
    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "city": {"type": "string", "enum": ["Paris", "Rome", "Oslo"]},
               "days": {"type": "integer"},
               "sunny": {"type": "boolean"},
               "note": {"type": "string", "maxLength": 12}
             },
             "required": ["city", "days", "sunny", "note"],
             "additionalProperties": false}""";

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

    static String problem(String schemaJson, String text) throws Exception {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(STRICT.readTree(schemaJson));
        JsonNode doc;
        try {
            doc = STRICT.readTree(text);
        } catch (Exception e) {
            return "does not parse: " + e.getMessage();
        }
        Set<ValidationMessage> errors = schema.validate(doc);
        return errors.isEmpty() ? null : "invalid: " + errors;
    }

    static ChatCompletionCreateParams.Builder request() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> schema = STRICT.readValue(SCHEMA, Map.class);
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder sb = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        schema.forEach((k, v) -> sb.putAdditionalProperty(k, JsonValue.from(v)));
        return ChatCompletionCreateParams.builder().model(ServerFixture.MODEL).addUserMessage("Plan a trip as JSON.")
                .maxCompletionTokens(400).temperature(1.0).seed(11).n(3)
                .responseFormat(ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                        .name("trip").strict(true).schema(sb.build()).build()).build());
    }

    @Test
    void jsonSchemaOutputValidates() throws Exception {
        ChatCompletion c = client.chat().completions().create(request().build());
        assertThat(c.choices()).hasSize(3);
        for (ChatCompletion.Choice ch : c.choices()) {
            String text = ch.message().content().orElseThrow();
            assertThat(problem(SCHEMA, text)).as(text).isNull();
            assertThat(ch.finishReason().asString()).isEqualTo("stop");
        }
    }

    @Test
    void streamedJsonSchemaOutputValidatesToo() throws Exception {
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(request().build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch ->
                    ch.delta().content().ifPresent(t -> texts[(int) ch.index()].append(t))));
        }
        for (StringBuilder t : texts) assertThat(problem(SCHEMA, t.toString())).as(t.toString()).isNull();
    }

    @Test
    void jsonObjectModeGivesAnObject() throws Exception {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(ServerFixture.MODEL)
                .addUserMessage("JSON please").maxCompletionTokens(200).temperature(0.0)
                .responseFormat(ResponseFormatJsonObject.builder().build()).build());
        ChatCompletion.Choice ch = c.choices().getFirst();
        String text = ch.message().content().orElseThrow();
        if (ch.finishReason().asString().equals("stop")) {
            assertThat(STRICT.readTree(text).isObject()).as(text).isTrue();
        } else {
            // Ran out of tokens mid-object: what there is must still be a prefix of JSON object text.
            assertThat(text.stripLeading()).startsWith("{");
        }
    }

    @Test
    void unsupportedSchemaIs400NamingIt() throws Exception {
        String body = "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":"
                + "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"s\",\"schema\":{\"type\":\"string\",\"pattern\":\"^a+$\"}}}}";
        JsonNode e = ServerApiTest.error(fx.post("/v1/chat/completions", body), 400);
        assertThat(e.get("param").asText()).isEqualTo("response_format.json_schema.schema");
        assertThat(e.get("message").asText()).contains("pattern");
    }
}

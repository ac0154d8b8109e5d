package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tools through the OpenAI SDK. The test model's template is Hermes-style ({@code <tool_call>}),
 * so calls are parsed in that format; tool_choice naming a function (or "required") forces a
 * call through constrained decoding, which is how a random-weight model can make a valid one.
 * The arguments are judged by networknt's validator against the tool's parameters schema.
 */
class ToolCallsTest {
    static ServerFixture fx;
    static OpenAIClient client;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String WEATHER_PARAMS = """
            {"type": "object",
             "properties": {"city": {"type": "string", "enum": ["Paris", "Rome", "Oslo"]},
                            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                            "days": {"type": "integer"}},
             "required": ["city", "unit", "days"], "additionalProperties": false}""";
    static final String TIME_PARAMS = """
            {"type": "object", "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}},
             "required": ["zone"], "additionalProperties": false}""";

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

    static ChatCompletionFunctionTool tool(String name, String params) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> schema = JSON.readValue(params, Map.class);
        FunctionParameters.Builder p = FunctionParameters.builder();
        schema.forEach((k, v) -> p.putAdditionalProperty(k, JsonValue.from(v)));
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name(name)
                .description("test tool " + name).parameters(p.build()).build()).build();
    }

    static ChatCompletionCreateParams.Builder weatherRequest() throws Exception {
        return ChatCompletionCreateParams.builder().model(ServerFixture.MODEL)
                .addUserMessage("What is the weather in Paris for the next days?")
                .addTool(tool("get_weather", WEATHER_PARAMS)).addTool(tool("get_time", TIME_PARAMS))
                .toolChoice(ChatCompletionNamedToolChoice.builder().function(ChatCompletionNamedToolChoice.Function.builder()
                        .name("get_weather").build()).build())
                .maxCompletionTokens(300).temperature(0.9).seed(5);
    }

    @Test
    void namedToolChoiceGivesAValidCall() throws Exception {
        ChatCompletion c = client.chat().completions().create(weatherRequest().build());
        c.validate();
        ChatCompletion.Choice ch = c.choices().getFirst();
        assertThat(ch.finishReason().asString()).isEqualTo("tool_calls");
        assertThat(ch.message().content()).isEmpty();
        List<?> calls = ch.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(1);
        ChatCompletionMessageFunctionToolCall call = ch.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(call.id()).startsWith("call_");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(StructuredOutputTest.problem(WEATHER_PARAMS, call.function().arguments())).as(call.function().arguments()).isNull();
    }

    @Test
    void streamedToolCallDeltasAssembleToTheSameKindOfCall() throws Exception {
        Map<Long, String> ids = new HashMap<>(), names = new HashMap<>();
        Map<Long, StringBuilder> args = new HashMap<>();
        String[] finish = {null};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(weatherRequest().build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> {
                ch.delta().toolCalls().ifPresent(list -> list.forEach(tc -> {
                    tc.id().ifPresent(id -> ids.put(tc.index(), id));
                    tc.function().ifPresent(f -> {
                        f.name().ifPresent(n -> names.put(tc.index(), n));
                        f.arguments().ifPresent(a -> args.computeIfAbsent(tc.index(), k -> new StringBuilder()).append(a));
                    });
                }));
                ch.finishReason().ifPresent(f -> finish[0] = f.asString());
            }));
        }
        assertThat(finish[0]).isEqualTo("tool_calls");
        assertThat(names).containsExactly(Map.entry(0L, "get_weather"));
        assertThat(ids.get(0L)).startsWith("call_");
        assertThat(StructuredOutputTest.problem(WEATHER_PARAMS, args.get(0L).toString())).as(args.get(0L).toString()).isNull();
    }

    @Test
    void requiredPicksOneOfTheToolsAndTheConversationContinues() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":" + WEATHER_PARAMS + "}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":" + TIME_PARAMS + "}}]";
        String body = "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather or time?\"}],\"tools\":" + tools
                + ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false,\"max_tokens\":300,\"temperature\":0.9,\"seed\":2}";
        JsonNode r = JSON.readTree(fx.post("/v1/chat/completions", body).body());
        JsonNode msg = r.get("choices").get(0).get("message");
        assertThat(r.get("choices").get(0).get("finish_reason").asText()).as(r.toString()).isEqualTo("tool_calls");
        JsonNode call = msg.get("tool_calls").get(0);
        String name = call.get("function").get("name").asText();
        assertThat(name).isIn("get_weather", "get_time");
        String args = call.get("function").get("arguments").asText();
        assertThat(StructuredOutputTest.problem(name.equals("get_weather") ? WEATHER_PARAMS : TIME_PARAMS, args)).isNull();

        // Send the call and its result back: the template renders both and the model answers.
        String followUp = "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather or time?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":" + JSON.writeValueAsString(call.get("id").asText()) + ",\"content\":\"22 degrees\"}],"
                + "\"tools\":" + tools + ",\"max_tokens\":5}";
        var res = fx.post("/v1/chat/completions", followUp);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(JSON.readTree(res.body()).get("choices").get(0).get("message").has("content")).isTrue();
    }

    @Test
    void toolChoiceErrorsNameTheField() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":" + TIME_PARAMS + "}}]";
        JsonNode e = ServerApiTest.error(fx.post("/v1/chat/completions", "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":" + tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}}"), 400);
        assertThat(e.get("param").asText()).isEqualTo("tool_choice.function.name");
        JsonNode e2 = ServerApiTest.error(fx.post("/v1/chat/completions", "{\"model\":\"tiny-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{}}]}"), 400);
        assertThat(e2.get("param").asText()).isEqualTo("tools[0].function.name");
    }
}

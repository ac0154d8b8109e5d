package dev.jllm.tokenizer.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed message API gives the same prompts as the raw-dict goldens; errors are clear exceptions. */
class ChatTemplateApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String golden(String model, String caseName) throws IOException {
        for (JsonNode c : JSON.readTree(ChatTemplateGoldenTest.resource(model + ".goldens.json")).get("cases")) {
            if (c.get("name").asText().equals(caseName)) return c.get("output").asText();
        }
        throw new AssertionError("no case " + caseName);
    }

    private static ChatTemplate template(String model) throws IOException {
        JsonNode g = JSON.readTree(ChatTemplateGoldenTest.resource(model + ".goldens.json"));
        return new ChatTemplate(ChatTemplateGoldenTest.resource(model + ".jinja"),
                g.get("bos_token").isNull() ? null : g.get("bos_token").asText(), g.get("eos_token").asText());
    }

    private static final String WEATHER_TOOL = """
            [{"type": "function", "function": {"name": "get_current_weather",
              "description": "Get the current weather in a given location",
              "parameters": {"type": "object", "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}]""";

    @Test
    void toolCallRoundTripWithTypedMessages() throws IOException {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("location", "Paris, France");
        args.put("unit", "celsius");
        List<ChatMessage> messages = List.of(
                ChatMessage.user("What's the weather like in Paris?"),
                ChatMessage.assistantToolCalls("", List.of(new ToolCall("call12345", "get_current_weather", args))),
                ChatMessage.tool("call12345", "get_current_weather", "{\"temperature\": 22, \"unit\": \"celsius\"}"),
                ChatMessage.assistant("It is 22 °C in Paris right now."));
        for (String model : List.of("qwen2_5", "qwen3", "mistral_nemo")) {
            assertThat(template(model).render(messages, WEATHER_TOOL, false, Map.of()))
                    .as(model).isEqualTo(golden(model, "tool_call_round_trip"));
        }
    }

    @Test
    void extraVariablesReachTheTemplate() throws IOException {
        assertThat(template("qwen3").render(List.of(ChatMessage.user("Quick: 3*7?")), null, true,
                Map.of("enable_thinking", false))).isEqualTo(golden("qwen3", "thinking_disabled"));
    }

    @Test
    void multiPartContent() throws IOException {
        List<ChatMessage> messages = List.of(
                new ChatMessage("system", List.of(ContentPart.text("System as parts.")), null, null, null, null),
                ChatMessage.user(List.of(ContentPart.text("Part one. "), ContentPart.text(" Part two."))),
                new ChatMessage("assistant", List.of(ContentPart.text("Reply as parts.")), null, null, null, null),
                ChatMessage.user("plain string again"));
        assertThat(template("gemma3").render(messages, true)).isEqualTo(golden("gemma3", "multipart_content"));
    }

    @Test
    void raiseExceptionSurfacesTheTemplatesMessage() throws IOException {
        ChatTemplate gemma = template("gemma3");
        assertThatThrownBy(() -> gemma.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true))
                .isInstanceOfSatisfying(TemplateException.class, e -> {
                    assertThat(e.raisedByTemplate()).isTrue();
                    assertThat(e.getMessage()).isEqualTo("Conversation roles must alternate user/assistant/user/assistant/...");
                });
    }

    @Test
    void unknownFilterTestOrFunctionIsAnError() {
        assertThatThrownBy(() -> new ChatTemplate("{{ messages | frobnicate }}", null, null))
                .isInstanceOf(TemplateException.class).hasMessageContaining("unknown filter 'frobnicate'");
        assertThatThrownBy(() -> new ChatTemplate("{% if x is frob %}{% endif %}", null, null))
                .isInstanceOf(TemplateException.class).hasMessageContaining("unknown test 'frob'");
        ChatTemplate fn = new ChatTemplate("line one\n{{ frobnicate(1) }}", null, null);
        assertThatThrownBy(() -> fn.render(List.of(), false))
                .isInstanceOf(TemplateException.class).hasMessageContaining("frobnicate").hasMessageContaining("line 2");
    }

    @Test
    void syntaxErrorIsAnError() {
        ChatTemplate t = new ChatTemplate("{% for m in messages %}{{ m.content }}", null, null);
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
                .isInstanceOf(TemplateException.class).hasMessageContaining("endfor");
    }

    @Test
    void wrongArgumentsToPythonMethodsAreErrors() {
        ChatTemplate t = new ChatTemplate("{{ messages[0].content.startswith() }}", null, null);
        assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
                .isInstanceOf(TemplateException.class).hasMessageContaining("startswith() takes 1 argument(s), 0 given");
    }

    /** C strftime directives, for Friday 26 July 2024 09:05:03 (day 208 of the year). */
    @Test
    void strftimeNowReadsTheGivenClock() {
        ChatTemplate t = new ChatTemplate(
                "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S %p %I %j %a %A %B %y %%') }}", null, null);
        ZonedDateTime when = ZonedDateTime.of(2024, 7, 26, 9, 5, 3, 0, ZoneOffset.UTC);
        assertThat(t.renderContext(Map.of(), () -> when))
                .isEqualTo("26 Jul 2024|2024-07-26 09:05:03 AM 09 208 Fri Friday July 24 %");
    }

    @Test
    void readsTokenizerConfig(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, ChatTemplateGoldenTest.resource("deepseek_v3.tokenizer_config.json"));
        ChatTemplate t = ChatTemplate.fromTokenizerConfig(config);
        assertThat(t.render(List.of(ChatMessage.user("Hello!")), true)).isEqualTo(golden("deepseek_v3", "single_user_gen"));

        Files.writeString(config, "{\"bos_token\": \"<s>\"}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(config))
                .isInstanceOf(IOException.class).hasMessageContaining("no \"chat_template\"");
    }

    @Test
    void badMessageContentIsRejected() {
        assertThatThrownBy(() -> new ChatMessage("user", 42, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Integer");
    }
}

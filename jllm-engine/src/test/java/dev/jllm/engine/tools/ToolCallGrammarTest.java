package dev.jllm.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.engine.constrain.JsonSchemaGrammar;
import dev.jllm.engine.constrain.JsonSchemaGrammarTest;
import dev.jllm.engine.constrain.SchemaOracle;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Forced tool calls: every random sentence of the tool grammar parses (with the format's parser)
 * into calls of declared functions whose arguments validate against the function's parameters.
 */
class ToolCallGrammarTest {
    static final String TOOLS = """
            [{"type":"function","function":{"name":"get_weather","description":"Weather now",
               "parameters":{"type":"object","properties":{"city":{"type":"string","minLength":1,"maxLength":10},
                                                         "unit":{"enum":["c","f"]}},"required":["city"],"additionalProperties":false}}},
             {"type":"function","function":{"name":"move",
               "parameters":{"$defs":{"pt":{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},
                                           "required":["x","y"],"additionalProperties":false}},
                             "type":"object","properties":{"to":{"$ref":"#/$defs/pt"},"fast":{"type":"boolean"}},
                             "required":["to"],"additionalProperties":false}}}]""";

    @Test
    void randomForcedCallsParseAndValidateInEveryFormat() throws Exception {
        JsonNode tools = SchemaOracle.STRICT.readTree(TOOLS);
        Map<String, SchemaOracle> params = new HashMap<>();
        for (JsonNode t : tools) params.put(t.get("function").get("name").asText(), new SchemaOracle(t.get("function").get("parameters").toString()));
        SplittableRandom rnd = new SplittableRandom(3);
        for (ToolCallFormat f : ToolCallFormat.values()) {
            for (String only : new String[]{null, "move"}) {
                JsonSchemaGrammar g = ToolCallGrammar.compile(f, tools, only, 2);
                int n = 0;
                for (int i = 0; i < 60; i++) {
                    byte[] b = JsonSchemaGrammarTest.randomSentence(g, rnd, 600);
                    if (b == null) continue;
                    n++;
                    String text = new String(b, StandardCharsets.UTF_8);
                    ToolCallParser.Parsed p = ToolCallParser.parse(text, f);
                    assertThat(p.calls()).as("%s: %s", f, text).isNotEmpty();
                    assertThat(p.content()).as("%s: %s", f, text).isEmpty();
                    for (ToolCall c : p.calls()) {
                        if (only != null) assertThat(c.name()).isEqualTo(only);
                        assertThat(params).containsKey(c.name());
                        assertThat(params.get(c.name()).problem(c.argumentsJson())).as("%s: %s", f, text).isNull();
                    }
                }
                assertThat(n).as("complete sentences for %s", f).isGreaterThan(30);
            }
        }
    }

    @Test
    void handWrittenCallsInEachFormat() throws Exception {
        JsonNode tools = SchemaOracle.STRICT.readTree(TOOLS);
        JsonSchemaGrammar hermes = ToolCallGrammar.compile(ToolCallFormat.HERMES, tools, null, 2);
        assertThat(hermes.accepts("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>")).isTrue();
        assertThat(hermes.accepts("<tool_call>\n{\"name\":\"move\",\"arguments\":{\"to\":{\"x\":1,\"y\":-2}}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\",\"unit\":\"c\"}}\n</tool_call>")).isTrue();
        assertThat(hermes.accepts("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"town\": \"Paris\"}}\n</tool_call>")).isFalse();
        assertThat(hermes.accepts("<tool_call>\n{\"name\": \"fly\", \"arguments\": {}}\n</tool_call>")).isFalse();
        JsonSchemaGrammar llama = ToolCallGrammar.compile(ToolCallFormat.LLAMA3_JSON, tools, "get_weather", 1);
        assertThat(llama.accepts("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\", \"unit\": \"f\"}}")).isTrue();
        assertThat(llama.accepts("{\"name\": \"move\", \"parameters\": {\"to\": {\"x\": 1, \"y\": 2}}}")).isFalse();
        JsonSchemaGrammar mistral = ToolCallGrammar.compile(ToolCallFormat.MISTRAL, tools, null, 1);
        assertThat(mistral.accepts("[TOOL_CALLS][{\"name\": \"move\", \"arguments\": {\"to\": {\"x\": 0, \"y\": 0}, \"fast\": true}}]")).isTrue();
        assertThat(mistral.accepts("[TOOL_CALLS][]")).isFalse();
        assertThat(hermes.specialTexts()).contains("<tool_call>");
        assertThatThrownBy(() -> ToolCallGrammar.compile(ToolCallFormat.HERMES, tools, "fly", 1)).hasMessageContaining("'fly'");
    }
}

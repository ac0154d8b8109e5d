package dev.jllm.engine.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tool whose parameters cannot be enforced is named, with the path inside its own parameters. */
class ToolSchemaErrorsTest {
    @Test
    void theToolAndThePathInItsParametersAreNamed() throws Exception {
        JsonNode tools = new ObjectMapper().readTree("""
                [{"type":"function","function":{"name":"ok","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}},
                 {"type":"function","function":{"name":"lookup","parameters":{"type":"object",
                   "properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}}}}}]""");
        for (ToolCallFormat f : ToolCallFormat.values()) {
            assertThatThrownBy(() -> ToolCallGrammar.compile(f, tools, null, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tool 'lookup' parameters: JSON Schema at /properties/zip: unsupported keyword 'pattern'");
        }
    }
}

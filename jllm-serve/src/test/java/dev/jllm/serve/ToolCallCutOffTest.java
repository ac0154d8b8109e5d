package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A tool call that max_tokens cuts off has incomplete arguments, so the finish reason is
 * "length" (as OpenAI reports it), not "tool_calls" — streamed or not. The forced call's string
 * argument needs at least 1000 characters, which 60 tokens of the test model cannot write.
 */
class ToolCallCutOffTest {
    static ServerFixture fx;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BODY = """
            {"model":"tiny-chat","messages":[{"role":"user","content":"Write a note."}],
             "tools":[{"type":"function","function":{"name":"note","parameters":{"type":"object",
               "properties":{"text":{"type":"string","minLength":1000}},"required":["text"],"additionalProperties":false}}}],
             "tool_choice":{"type":"function","function":{"name":"note"}},"max_tokens":60,"temperature":0.9,"seed":4""";

    @BeforeAll
    static void start() throws Exception { fx = ServerFixture.start(); }

    @AfterAll
    static void stop() { if (fx != null) fx.close(); }

    @Test
    void aCallCutOffByMaxTokensFinishesWithLength() throws Exception {
        JsonNode r = JSON.readTree(fx.post("/v1/chat/completions", BODY + "}").body());
        JsonNode choice = r.get("choices").get(0);
        assertThat(choice.get("finish_reason").asText()).as(r.toString()).isEqualTo("length");
        JsonNode call = choice.get("message").get("tool_calls").get(0); // the call had begun
        assertThat(call.get("function").get("name").asText()).isEqualTo("note");
        assertThatThrownBy(() -> JSON.readTree(call.get("function").get("arguments").asText())).as("arguments are cut off");
    }

    @Test
    void streamedTooTheLastChunkSaysLength() throws Exception {
        String sse = fx.post("/v1/chat/completions", BODY + ",\"stream\":true}").body();
        String finish = null;
        boolean sawCall = false;
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode ch = JSON.readTree(line.substring(6)).get("choices").get(0);
            if (ch.get("delta").has("tool_calls")) sawCall = true;
            if (!ch.get("finish_reason").isNull()) finish = ch.get("finish_reason").asText();
        }
        assertThat(sawCall).as(sse).isTrue();
        assertThat(finish).isEqualTo("length");
    }
}

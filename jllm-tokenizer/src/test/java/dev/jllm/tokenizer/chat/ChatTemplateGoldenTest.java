package dev.jllm.tokenizer.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders the real chat templates (and hand-written feature templates) over the conversations in
 * src/test/resources/chat/*.goldens.json and compares with the outputs of @huggingface/jinja and
 * Python jinja2 as transformers configures it (tools/chat-templates). Where the two references
 * disagree the golden holds python_output / python_error and jllm must match transformers.
 */
class ChatTemplateGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Constructs jinjava cannot handle: they must fail loudly (TemplateException), never print wrong text. */
    private static final java.util.Set<String> JINJAVA_LIMITATIONS =
            java.util.Set.of("features/str_repeat", "features/chained_comparison");
    private static final List<String> FILES = List.of("llama3", "llama3_1", "qwen2_5", "qwen3", "mistral_nemo",
            "gemma3", "deepseek_v3", "features");

    @TestFactory
    Stream<DynamicTest> goldens() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : FILES) {
            JsonNode golden = JSON.readTree(resource(file + ".goldens.json"));
            String shared = file.equals("features") ? null : resource(file + ".jinja");
            String bos = golden.path("bos_token").isTextual() ? golden.get("bos_token").asText() : null;
            String eos = golden.path("eos_token").isTextual() ? golden.get("eos_token").asText() : null;
            for (JsonNode c : golden.get("cases")) {
                String source = c.has("template") ? c.get("template").asText() : shared;
                String name = file + "/" + c.get("name").asText();
                if (JINJAVA_LIMITATIONS.contains(name)) {
                    tests.add(DynamicTest.dynamicTest(name + " (jinjava limitation: must throw)", () -> assertThrows(
                            TemplateException.class, () -> new ChatTemplate(source, bos, eos)
                                    .renderContext(JSON.convertValue(c.get("context"), Map.class)))));
                } else {
                    tests.add(DynamicTest.dynamicTest(name, () -> check(source, bos, eos, c)));
                }
            }
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    private static void check(String source, String bos, String eos, JsonNode c) {
        ChatTemplate t = new ChatTemplate(source, bos, eos);
        Map<String, Object> context = JSON.convertValue(c.get("context"), Map.class);
        JsonNode out = c.has("python_output") || c.has("python_error") ? c.get("python_output") : c.get("output");
        JsonNode err = c.has("python_output") || c.has("python_error") ? c.get("python_error") : c.get("error");
        if (out != null) {
            assertThat(t.renderContext(context)).as(c.get("name").asText()).isEqualTo(out.asText());
        } else {
            TemplateException e = assertThrows(TemplateException.class, () -> t.renderContext(context));
            assertThat(e.getMessage()).contains(err.asText());
        }
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream("/chat/" + name)) {
            if (in == null) throw new IOException("missing test resource chat/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

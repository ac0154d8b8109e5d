package dev.jllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jllm generate --json-schema / --json-object} on the tiny random Llama. */
class GenerateJsonSchemaTest {
    static final String SCHEMA = "../tools/constrain/person.schema.json";

    @Test
    void outputFollowsTheSchemaOrIsCutByTheTokenLimit() throws Exception {
        ObjectMapper om = new ObjectMapper();
        int finished = 0;
        for (int seed = 0; seed < 4; seed++) {
            String out = GenerateCommandTest.run("generate", "-m", GenerateCommandTest.MODEL, "-p", "Person:", "-n", "100",
                    "--temperature", "1", "--seed", String.valueOf(seed), "--json-schema", SCHEMA, "--json");
            JsonNode o = om.readTree(out);
            if (!o.get("finish_reason").asText().equals("stop")) continue;
            finished++;
            JsonNode v = om.readTree(o.get("text").asText());
            assertThat(v.get("name").asText()).hasSizeBetween(1, 10);
            assertThat(v.get("age").isIntegralNumber()).isTrue();
            assertThat(v.size()).isLessThanOrEqualTo(3);
        }
        assertThat(finished).isPositive();
    }

    @Test
    void anUnsupportedSchemaIsOneClearLine() throws Exception {
        java.nio.file.Path bad = java.nio.file.Files.createTempFile("bad", ".json");
        java.nio.file.Files.writeString(bad, "{\"type\":\"integer\",\"multipleOf\":3}");
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        int rc = cl.execute("generate", "-m", GenerateCommandTest.MODEL, "-p", "x", "--json-schema", bad.toString());
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("unsupported keyword 'multipleOf'").doesNotContain("Exception");
    }
}

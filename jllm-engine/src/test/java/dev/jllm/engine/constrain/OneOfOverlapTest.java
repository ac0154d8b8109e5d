package dev.jllm.engine.constrain;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * oneOf is read like anyOf, so a schema whose alternatives may overlap is refused (a value
 * matching two of them fails oneOf); disjoint ones compile, and their random sentences validate
 * against networknt's validator, which checks oneOf's "exactly one".
 */
class OneOfOverlapTest {
    static final List<String> OVERLAPPING = List.of(
            "{\"oneOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}",
            "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"string\",\"maxLength\":3}]}",
            "{\"oneOf\":[{\"type\":\"integer\",\"minimum\":0,\"maximum\":10},{\"type\":\"number\",\"minimum\":5}]}",
            "{\"oneOf\":[{\"enum\":[1,\"a\"]},{\"type\":\"integer\"}]}",
            "{\"oneOf\":[{\"enum\":[1.0]},{\"const\":1}]}",
            "{\"oneOf\":[{\"const\":1e20},{\"type\":\"number\",\"minimum\":0}]}",
            "{\"oneOf\":[{\"const\":\"é\"},{\"type\":\"string\",\"maxLength\":1}]}",
            "{\"oneOf\":[{\"type\":\"array\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1}]}",
            "{\"oneOf\":[{\"type\":\"string\"},{}]}",
            // Disjoint names do not make objects disjoint: without additionalProperties each allows the other's keys.
            "{\"oneOf\":[{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"]},"
                    + "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"string\"}}}]}",
            "{\"$defs\":{\"s\":{\"type\":\"string\"}},\"oneOf\":[{\"$ref\":\"#/$defs/s\"},{\"type\":[\"null\",\"string\"]}]}");

    static final String SHAPES = """
            {"type":"object","properties":{"shape":{"oneOf":[
               {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
               {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"]},
               {"type":"string","maxLength":4},
               {"type":"integer","maximum":0},
               {"type":"number","exclusiveMinimum":0},
               {"type":"array","items":{"type":"integer"},"minItems":1},
               {"type":"array","items":{"type":"string"},"minItems":1},
               {"enum":[true,"longer than four"]},
               {"type":"null"}]}},
             "required":["shape"],"additionalProperties":false}""";

    @Test
    void overlappingAlternativesAreRefusedByName() {
        for (String s : OVERLAPPING) {
            assertThatThrownBy(() -> JsonSchemaGrammar.compile(s)).as(s)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'oneOf' alternatives");
        }
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(SHAPES.replace("\"maximum\":0", "\"maximum\":1")))
                .hasMessageContaining("JSON Schema at /properties/shape").hasMessageContaining("alternatives 3 and 4");
    }

    @Test
    void disjointAlternativesCompileAndTheirSentencesValidate() {
        JsonSchemaGrammar g = JsonSchemaGrammar.compile(SHAPES);
        SchemaOracle oracle = new SchemaOracle(SHAPES);
        SplittableRandom rnd = new SplittableRandom(3);
        int complete = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] text = JsonSchemaGrammarTest.randomSentence(g, rnd, 300);
            if (text == null) continue;
            complete++;
            assertThat(oracle.problem(text)).as(new String(text, java.nio.charset.StandardCharsets.UTF_8)).isNull();
        }
        assertThat(complete).isGreaterThan(300);
        // anyOf with the same overlap stays allowed: any one match is enough there.
        JsonSchemaGrammar.compile("{\"anyOf\":[{\"type\":\"number\"},{\"type\":\"integer\"}]}");
    }
}

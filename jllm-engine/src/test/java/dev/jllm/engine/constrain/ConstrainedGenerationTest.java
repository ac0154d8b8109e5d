package dev.jllm.engine.constrain;

import dev.jllm.engine.Generator;
import dev.jllm.engine.LoadedModel;
import dev.jllm.engine.SamplingParams;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generation loop with a grammar mask on the tiny random Llama of jllm-models: with pure
 * random sampling over many seeds, every finished output parses and validates (networknt), and an
 * output cut by the token limit is still a prefix of a valid one.
 */
class ConstrainedGenerationTest {
    static final Path MODEL = Path.of("../jllm-models/src/test/resources/models/llama-tiny/model.gguf");
    static final String SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string","minLength":1,"maxLength":6},
              "age":{"type":"integer"},
              "ok":{"type":"boolean"},
              "pets":{"type":"array","items":{"enum":["cat","dog",3]},"maxItems":3},
              "home":{"anyOf":[{"type":"null"},{"type":"object","properties":{"x":{"type":"number"}},"required":["x"],"additionalProperties":false}]}},
             "required":["name","age","home"],"additionalProperties":false}""";
    static GgufFile file;
    static Llama model;
    static Tokenizer tok;
    static VocabularyIndex vocab;

    @BeforeAll
    static void load() throws Exception {
        file = GgufFile.open(MODEL);
        model = Llama.fromGguf(file);
        tok = Tokenizers.fromGgufMetadata(file.metadata());
        vocab = VocabularyIndex.of(tok, LoadedModel.endIds(tok));
    }

    @AfterAll
    static void close() { file.close(); }

    @Test
    void everyFinishedRandomSampleValidatesAgainstTheSchema() {
        TokenMasks masks = new TokenMasks(JsonSchemaGrammar.compile(SCHEMA), vocab);
        SchemaOracle oracle = new SchemaOracle(SCHEMA);
        int[] prompt = tok.encode("The record as JSON:", true, true);
        int finished = 0;
        for (long seed = 0; seed < 12; seed++) {
            SamplingParams random = new SamplingParams(1.0f, 0, 1f, 0f, 1f, 0f, 0f, seed);
            TokenConstraint c = masks.newConstraint();
            StringBuilder streamed = new StringBuilder();
            Generator.Result r = new Generator(model, tok).generate(
                    new Generator.Request(prompt, 128 - prompt.length, random, List.of(), LoadedModel.endIds(tok), false), c, streamed::append);
            assertThat(streamed.toString()).isEqualTo(r.text());
            if (r.finishReason() == Generator.FinishReason.STOP) {
                finished++;
                assertThat(oracle.problem(r.text())).as("seed %d: %s", seed, r.text()).isNull();
            } else {
                assertThat(masks.grammar().acceptsPrefix(r.text())).as("seed %d: %s", seed, r.text()).isTrue();
            }
        }
        assertThat(finished).as("runs that ended within the context").isGreaterThanOrEqualTo(6);
    }

    @Test
    void jsonObjectOutputIsAlwaysAnObjectOrAPrefixOfOne() throws Exception {
        TokenMasks masks = new TokenMasks(JsonSchemaGrammar.anyObject(), vocab);
        int[] prompt = tok.encode("Answer in JSON:", true, true);
        for (long seed = 0; seed < 3; seed++) {
            SamplingParams p = new SamplingParams(0.7f, 20, 1f, 0f, 1f, 0f, 0f, seed);
            Generator.Result r = new Generator(model, tok).generate(
                    new Generator.Request(prompt, 40, p, List.of(), LoadedModel.endIds(tok), false), masks.newConstraint(), s -> { });
            if (r.finishReason() == Generator.FinishReason.STOP) {
                assertThat(SchemaOracle.STRICT.readTree(r.text()).isObject()).as(r.text()).isTrue();
            } else {
                assertThat(masks.grammar().acceptsPrefix(r.text())).as(r.text()).isTrue();
            }
        }
    }
}

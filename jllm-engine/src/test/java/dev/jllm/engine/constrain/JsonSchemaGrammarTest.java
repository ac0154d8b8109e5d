package dev.jllm.engine.constrain;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The automaton against an independent validator: hand-written texts it must accept or refuse,
 * and random sentences of each grammar, every one of which must parse and validate.
 */
public class JsonSchemaGrammarTest {
    static final String PERSON = """
            {"type":"object","properties":{
              "name":{"type":"string","minLength":1,"maxLength":8},
              "age":{"type":"integer"},
              "tags":{"type":"array","items":{"type":"string","maxLength":4},"maxItems":3},
              "email":{"type":["string","null"],"maxLength":10}},
             "required":["name","age"],"additionalProperties":false}""";
    static final String CHOICES = """
            {"type":"object","properties":{
              "kind":{"enum":["a","b",1,12,null,true,"é"]},
              "v":{"const":{"x":[1,2]}},
              "u":{"anyOf":[{"type":"number"},
                            {"type":"object","properties":{"k":{"type":"boolean"}},"required":["k"],"additionalProperties":false},
                            {"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2}]}},
             "required":["kind","u"],"additionalProperties":false}""";
    static final String POINTS = """
            {"$defs":{"pt":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},
                            "required":["x","y"],"additionalProperties":false}},
             "type":"object","properties":{"points":{"type":"array","items":{"$ref":"#/$defs/pt"},"minItems":2,"maxItems":3},
                                          "label":{"description":"free text","type":"string","maxLength":5}},
             "required":["points"],"additionalProperties":false}""";
    static final String EXTRAS = """
            {"type":"object","properties":{"id":{"type":"integer"}},
             "additionalProperties":{"type":"string","maxLength":3}}""";
    static final String WORDS = """
            {"type":"array","items":{"type":"string","minLength":2,"maxLength":3}}""";
    static final String ONE_OF = """
            {"oneOf":[{"type":"string","maxLength":3},{"type":"integer"},{"type":"boolean"}]}""";
    static final String TREE = """
            {"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
                      "kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["v"],"additionalProperties":false}},
             "$ref":"#/$defs/node"}""";

    static final String BOUNDS = """
            {"type":"object","properties":{
              "n":{"type":"integer","minimum":-5,"maximum":12},
              "x":{"type":"number","exclusiveMinimum":-1.5,"maximum":2.25},
              "k":{"type":"integer","exclusiveMinimum":100,"exclusiveMaximum":103},
              "neg":{"type":"number","maximum":-2,"minimum":-1000}},
             "required":["n","x","k","neg"],"additionalProperties":false}""";

    record Case(String text, boolean accept) {}

    static void check(String schema, JsonSchemaGrammar g, List<Case> cases) {
        SchemaOracle oracle = new SchemaOracle(schema);
        for (Case c : cases) {
            assertThat(g.accepts(c.text())).as("grammar on %s", c.text()).isEqualTo(c.accept());
            // Accepted texts are valid; the canonical (compact, schema-ordered) rejected ones here are invalid too.
            assertThat(oracle.problem(c.text()) == null).as("validator on %s: %s", c.text(), oracle.problem(c.text())).isEqualTo(c.accept());
        }
    }

    static Case ok(String t) { return new Case(t, true); }

    static Case no(String t) { return new Case(t, false); }

    @Test
    void personSchemaAcceptsValidTextsAndRefusesInvalidOnes() {
        check(PERSON, JsonSchemaGrammar.compile(PERSON), List.of(
                ok("{\"name\":\"Al\",\"age\":3}"),
                ok(" {\n  \"name\": \"Zoë\",\n  \"age\": -12,\n  \"tags\": [\"a\", \"\\u00e9\"],\n  \"email\": null\n}"),
                ok("{\"name\":\"\\\"q\\\\\",\"age\":0,\"email\":\"x@y\"}"),
                ok("{\"name\":\"éééééééé\",\"age\":1}"),          // 8 code points, 16 bytes
                no("{\"name\":\"ééééééééé\",\"age\":1}"),         // 9 code points
                no("{\"name\":\"\",\"age\":1}"),                  // minLength 1
                no("{\"name\":\"Al\"}"),                          // age is required
                no("{\"name\":\"Al\",\"age\":1.5}"),
                no("{\"name\":\"Al\",\"age\":01}"),
                no("{\"name\":\"Al\",\"age\":1,\"x\":1}"),       // no additional properties
                no("{\"name\":\"Al\",\"age\":1,\"tags\":[\"a\",\"b\",\"c\",\"d\"]}"),
                no("{\"name\":\"A\tb\",\"age\":1}"),              // raw control character
                no("{\"name\":\"\\x\",\"age\":1}"),               // bad escape
                no("{\"name\":\"Al\",\"age\":1,\"email\":\"01234567890\"}")));
        JsonSchemaGrammar g = JsonSchemaGrammar.compile(PERSON);
        // Things the validator allows but the grammar deliberately does not (documented): a lone
        // surrogate escape, schema order, blanks beyond one space or a newline and indentation, trailing blanks.
        assertThat(g.accepts("{\"name\":\"\\ud800\",\"age\":1}")).isFalse();
        assertThat(g.accepts("{\"age\":1,\"name\":\"Al\"}")).isFalse();
        assertThat(JsonSchemaGrammar.compile(SchemaOracle.STRICT.valueToTree(parse(PERSON)), true, true)
                .accepts("{\"age\":1,\"name\":\"Al\"}")).isTrue();
        assertThat(g.accepts("{\n" + " ".repeat(Frame.MAX_INDENT) + "\"name\":\"A\",\"age\":1}")).isTrue();
        assertThat(g.accepts("{\n" + " ".repeat(Frame.MAX_INDENT + 1) + "\"name\":\"A\",\"age\":1}")).isFalse();
        assertThat(g.accepts("{  \"name\":\"A\",\"age\":1}")).isFalse();
        assertThat(g.accepts("{\n\n\"name\":\"A\",\"age\":1}")).isFalse();
        assertThat(g.accepts("{\"name\":\"A\",\"age\":1} ")).isFalse();
        assertThat(g.acceptsPrefix("{\"name\":\"A\",\"age\":1")).isTrue();
        assertThat(g.accepts("{\"name\":\"A\",\"age\":1")).isFalse();
        assertThat(g.acceptsPrefix("{\"name\":\"A\",\"ag")).isTrue();
        assertThat(g.acceptsPrefix("{\"name\":\"A\",\"ab")).isFalse();
    }

    @Test
    void enumConstAndAnyOf() {
        check(CHOICES, JsonSchemaGrammar.compile(CHOICES), List.of(
                ok("{\"kind\":\"a\",\"u\":1.5e3}"),
                ok("{\"kind\":12,\"v\":{\"x\":[1,2]},\"u\":{\"k\":true}}"),
                ok("{\"kind\":1,\"u\":[3, -4]}"),
                ok("{\"kind\":null,\"u\":0}"),
                ok("{\"kind\":\"é\",\"u\":0}"),
                no("{\"kind\":13,\"u\":0}"),
                no("{\"kind\":\"c\",\"u\":0}"),
                no("{\"kind\":true,\"v\":{\"x\":[1]},\"u\":0}"),
                no("{\"kind\":true,\"u\":[]}"),
                no("{\"kind\":true,\"u\":[1,2,3]}"),
                no("{\"kind\":true,\"u\":{}}"),
                no("{\"kind\":true,\"u\":\"1\"}")));
    }

    @Test
    void refsNestedObjectsAdditionalPropertiesAndTopLevelArrays() {
        check(POINTS, JsonSchemaGrammar.compile(POINTS), List.of(
                ok("{\"points\":[{\"x\":1,\"y\":2},{\"x\":-0.5,\"y\":3E+2}],\"label\":\"hi\"}"),
                no("{\"points\":[{\"x\":1,\"y\":2}]}"),
                no("{\"points\":[{\"x\":1},{\"x\":1,\"y\":2}]}")));
        check(EXTRAS, JsonSchemaGrammar.compile(EXTRAS), List.of(
                ok("{\"id\":1,\"zz\":\"abc\",\"idx\":\"\"}"),
                ok("{\"i\":\"a\",\"id\":2}"),
                no("{\"id\":1,\"zz\":\"abcd\"}"),
                no("{\"id\":1,\"zz\":5}")));
        JsonSchemaGrammar extras = JsonSchemaGrammar.compile(EXTRAS);
        assertThat(extras.accepts("{\"id\":1,\"id\":2}")).as("a declared name is never read as an additional one").isFalse();
        check(WORDS, JsonSchemaGrammar.compile(WORDS), List.of(
                ok("[]"), ok("[\"ab\",\"日本語\"]"), no("[\"a\"]"), no("[\"abcd\"]"), no("[\"ab\",]")));
        check(ONE_OF, JsonSchemaGrammar.compile(ONE_OF), List.of(ok("\"abc\""), ok("-7"), ok("false"), no("1.5"), no("null")));
        check(TREE, JsonSchemaGrammar.compile(TREE), List.of(
                ok("{\"v\":1,\"kids\":[{\"v\":2},{\"v\":3,\"kids\":[]}]}"), no("{\"v\":1,\"kids\":[{}]}")));
        check("{\"type\":\"object\"}", JsonSchemaGrammar.anyObject(), List.of(
                ok("{}"), ok("{\"a\":[1,{\"b\":null}],\"c\":\"\\n\",\"d\":-0.0e-1}"), no("[]"), no("1"), no("{\"a\" 1}"), no("{\"a\":tru}")));
    }

    @Test
    void numericBoundsAreKeptWithoutDeadEnds() {
        String ok = "{\"n\":%s,\"x\":%s,\"k\":%s,\"neg\":%s}";
        check(BOUNDS, JsonSchemaGrammar.compile(BOUNDS), List.of(
                ok(ok.formatted("-5", "-1.4", "101", "-2")), ok(ok.formatted("12", "2.25", "102", "-2.5")), ok(ok.formatted("0", "0", "102", "-999.75")),
                no(ok.formatted("13", "0", "101", "-2")), no(ok.formatted("-6", "0", "101", "-2")), no(ok.formatted("1", "-1.5", "101", "-2")),
                no(ok.formatted("1", "2.26", "101", "-2")), no(ok.formatted("1", "0", "100", "-2")), no(ok.formatted("1", "0", "103", "-2")),
                no(ok.formatted("1", "0", "101", "-1.9")), no(ok.formatted("1", "0", "101", "-1000.5"))));
        JsonSchemaGrammar g = JsonSchemaGrammar.compile(BOUNDS);
        assertThat(g.acceptsPrefix("{\"n\":1")).isTrue();
        assertThat(g.acceptsPrefix("{\"n\":13")).as("no completion of 13 is in [-5, 12]").isFalse();
        assertThat(g.acceptsPrefix("{\"n\":1,\"x\":2.3")).isFalse();
        assertThat(g.acceptsPrefix("{\"n\":1,\"x\":1,\"k\":1,\"neg\":-1.")).as("every -1.x is above -2").isFalse();
        assertThat(g.accepts(ok.formatted("1", "1e0", "101", "-2"))).as("no exponent under bounds (documented)").isFalse();
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"type\":\"integer\",\"exclusiveMinimum\":1,\"exclusiveMaximum\":2}"))
                .hasMessageContaining("no integer lies between");
    }

    @Test
    void randomSentencesOfEveryGrammarParseAndValidate() {
        List<String[]> grammars = List.of(new String[]{PERSON, PERSON}, new String[]{CHOICES, CHOICES}, new String[]{POINTS, POINTS},
                new String[]{EXTRAS, EXTRAS}, new String[]{WORDS, WORDS}, new String[]{ONE_OF, ONE_OF}, new String[]{TREE, TREE}, new String[]{BOUNDS, BOUNDS},
                new String[]{null, "{\"type\":\"object\"}"});
        SplittableRandom rnd = new SplittableRandom(7);
        for (String[] gs : grammars) {
            JsonSchemaGrammar g = gs[0] == null ? JsonSchemaGrammar.anyObject() : JsonSchemaGrammar.compile(gs[0]);
            SchemaOracle oracle = new SchemaOracle(gs[1]);
            int complete = 0;
            for (int i = 0; i < 150; i++) {
                byte[] text = randomSentence(g, rnd, 400);
                if (text == null) continue;
                complete++;
                assertThat(oracle.problem(text)).as("schema %s, text %s", gs[1], new String(text, java.nio.charset.StandardCharsets.UTF_8)).isNull();
            }
            assertThat(complete).as("complete random sentences for %s", gs[1]).isGreaterThan(100);
        }
    }

    @Test
    void unsupportedKeywordsAndImpossibleSchemasAreRefusedByName() {
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\",\"multipleOf\":2}}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/properties/age").hasMessageContaining("'multipleOf'");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"type\":\"string\",\"minLength\":3,\"maxLength\":2}"))
                .hasMessageContaining("minLength 3 > maxLength 2");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"$ref\":\"#/$defs/missing\"}")).hasMessageContaining("points to nothing");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"enum\":[1,2],\"type\":\"string\"}")).hasMessageContaining("allows no value");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"type\":\"strin\"}")).hasMessageContaining("unknown type 'strin'");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"type\": ")).hasMessageContaining("not valid JSON");
    }

    static Object parse(String json) {
        try {
            return SchemaOracle.STRICT.readValue(json, Object.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * A random walk over allowed bytes, leaning towards closing characters so that it ends; null
     * if it did not complete within {@code maxBytes}.
     */
    public static byte[] randomSentence(JsonSchemaGrammar g, SplittableRandom rnd, int maxBytes) {
        AutomatonState s = g.initialState();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> allowed = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        while (out.size() < maxBytes) {
            if (s.isComplete() && rnd.nextDouble() < 0.5) return out.toByteArray();
            allowed.clear();
            weights.clear();
            double total = 0;
            for (int b = 0; b < 256; b++) {
                if (s.step(b) == null) continue;
                double w = "\"]},".indexOf(b) >= 0 ? 6 : b == ' ' || b == '\n' ? 0.3 : b >= 0x80 ? 0.05 : 1;
                if (b == '\\') w = 0.5;
                allowed.add(b);
                weights.add(w);
                total += w;
            }
            if (allowed.isEmpty()) {
                if (s.isComplete()) return out.toByteArray();
                throw new AssertionError("dead end after " + out); // every live state must have a continuation
            }
            double u = rnd.nextDouble() * total;
            int pick = allowed.getLast();
            for (int i = 0; i < allowed.size(); i++) {
                u -= weights.get(i);
                if (u < 0) { pick = allowed.get(i); break; }
            }
            out.write(pick);
            s = s.step(pick);
        }
        return null;
    }
}

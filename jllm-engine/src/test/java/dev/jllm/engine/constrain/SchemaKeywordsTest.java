package dev.jllm.engine.constrain;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The keyword lists of docs/structured-output.md: every keyword documented as refused fails
 * compilation with a message that names it and the schema path, annotations are ignored, and a
 * refused keyword inside an unreferenced definition does not matter.
 */
class SchemaKeywordsTest {
    /** Keyword (as documented) and a schema that uses it under /properties/v. */
    static final List<String[]> REFUSED = List.of(
            new String[]{"pattern", "{\"type\":\"string\",\"pattern\":\"^a+$\"}"},
            new String[]{"multipleOf", "{\"type\":\"integer\",\"multipleOf\":5}"},
            new String[]{"uniqueItems", "{\"type\":\"array\",\"uniqueItems\":true}"},
            new String[]{"prefixItems", "{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}]}"},
            new String[]{"contains", "{\"type\":\"array\",\"contains\":{\"type\":\"string\"}}"},
            new String[]{"patternProperties", "{\"type\":\"object\",\"patternProperties\":{\"^x\":{}}}"},
            new String[]{"propertyNames", "{\"type\":\"object\",\"propertyNames\":{\"maxLength\":3}}"},
            new String[]{"minProperties", "{\"type\":\"object\",\"minProperties\":1}"},
            new String[]{"maxProperties", "{\"type\":\"object\",\"maxProperties\":1}"},
            new String[]{"dependentRequired", "{\"type\":\"object\",\"dependentRequired\":{\"a\":[\"b\"]}}"},
            new String[]{"dependentSchemas", "{\"type\":\"object\",\"dependentSchemas\":{\"a\":{}}}"},
            new String[]{"$anchor", "{\"$anchor\":\"v\",\"type\":\"string\"}"},
            new String[]{"not", "{\"not\":{\"type\":\"string\"}}"},
            new String[]{"if", "{\"if\":{\"type\":\"string\"},\"then\":{\"maxLength\":2}}"},
            new String[]{"nullable", "{\"type\":\"string\",\"nullable\":true}"},
            new String[]{"unevaluatedProperties", "{\"type\":\"object\",\"unevaluatedProperties\":false}"});

    static String wrap(String valueSchema) {
        return "{\"type\":\"object\",\"properties\":{\"v\":" + valueSchema + "},\"required\":[\"v\"]}";
    }

    @Test
    void refusedKeywordsAreNamedWithTheirPath() {
        for (String[] k : REFUSED) {
            assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap(k[1])))
                    .as(k[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("JSON Schema at /properties/v")
                    .hasMessageContaining("'" + k[0] + "'");
        }
    }

    @Test
    void schemaShapesThatAreNotSupportedSayWhy() {
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap("{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}")))
                .hasMessageContaining("tuple 'items'");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap("{\"allOf\":[{\"type\":\"string\"},{\"maxLength\":3}]}")))
                .hasMessageContaining("'allOf' with more than one schema");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap("{\"anyOf\":[{\"type\":\"string\"}],\"maxLength\":3}")))
                .hasMessageContaining("'maxLength' next to 'anyOf'");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"$defs\":{\"s\":{\"type\":\"string\"}},\"type\":\"object\","
                + "\"properties\":{\"v\":{\"$ref\":\"#/$defs/s\",\"maxLength\":3}}}"))
                .hasMessageContaining("'maxLength' next to '$ref'");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap("{\"enum\":[\"a\"],\"maxLength\":3}")))
                .hasMessageContaining("'maxLength' next to enum/const");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap("{\"type\":\"number\",\"minimum\":0,\"exclusiveMinimum\":true}")))
                .hasMessageContaining("draft-4 boolean exclusive bounds");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile(wrap("{\"$ref\":\"https://example.com/s.json\"}")))
                .hasMessageContaining("only local $ref");
        // A plain-name fragment is an $anchor, not a JSON pointer: refused by name, not by a JSON-pointer parse error.
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("{\"$defs\":{\"n\":{\"type\":\"string\"}},\"type\":\"object\","
                + "\"properties\":{\"v\":{\"$ref\":\"#n\"}}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JSON Schema at /properties/v").hasMessageContaining("'#n' names an anchor");
        assertThatThrownBy(() -> JsonSchemaGrammar.compile("false")).hasMessageContaining("allows no value");
    }

    @Test
    void annotationsAreIgnoredAndUnusedDefinitionsAreNotCompiled() {
        JsonSchemaGrammar g = JsonSchemaGrammar.compile("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:x","title":"T","description":"d",
                 "$comment":"c","examples":[{"v":"x"}],"default":{"v":"x"},
                 "$defs":{"unused":{"pattern":"never compiled"}},
                 "type":"object","properties":{"v":{"type":"string","format":"date-time","deprecated":true,"readOnly":true,
                   "writeOnly":false,"contentMediaType":"text/plain","contentEncoding":"base64"}},
                 "required":["v"]}""");
        assertThat(g.accepts("{\"v\":\"not a date\"}")).isTrue(); // format is an annotation (2019-09 and later)
        assertThat(g.accepts("{\"v\":1}")).isFalse();
    }

    @Test
    void rootPointerReferencesWork() {
        JsonSchemaGrammar g = JsonSchemaGrammar.compile("""
                {"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#"}},"required":["v"]}""");
        assertThat(g.accepts("{\"v\":1,\"next\":{\"v\":2}}")).isTrue();
        assertThat(g.accepts("{\"v\":1,\"next\":{}}")).isFalse();
    }
}

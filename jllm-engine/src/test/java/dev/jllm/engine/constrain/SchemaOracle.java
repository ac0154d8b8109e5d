package dev.jllm.engine.constrain;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The independent judge: Jackson (strict: no trailing tokens) parses the text and networknt's
 * JSON Schema validator (draft 2020-12) checks it against the schema.
 */
public final class SchemaOracle {
    public static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final JsonSchema schema;

    public SchemaOracle(String schemaJson) {
        try {
            schema = FACTORY.getSchema(STRICT.readTree(schemaJson));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Null when {@code bytes} is well-formed UTF-8 JSON that validates; otherwise why not. */
    public String problem(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return "not UTF-8: " + e;
        }
        JsonNode doc;
        try {
            doc = STRICT.readTree(text);
        } catch (Exception e) {
            return "does not parse: " + e.getMessage();
        }
        if (doc == null) return "empty";
        Set<ValidationMessage> errors = schema.validate(doc);
        return errors.isEmpty() ? null : "invalid: " + errors;
    }

    public String problem(String text) { return problem(text.getBytes(StandardCharsets.UTF_8)); }
}

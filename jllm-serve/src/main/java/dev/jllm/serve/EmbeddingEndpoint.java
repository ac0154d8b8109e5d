package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.models.Encoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * POST /v1/embeddings with a BERT-family {@link Encoder} (e.g. the bundled all-MiniLM-L6-v2).
 * {@code input} is a string or an array of strings; {@code encoding_format} {@code float} or
 * {@code base64} (little-endian float32, what the OpenAI clients decode).
 */
final class EmbeddingEndpoint {
    /** Most inputs in one request (OpenAI's limit). */
    static final int MAX_INPUTS = 2048;
    /** Texts per encoder forward pass. */
    private static final int BATCH = 32;

    private final Encoder encoder;
    private final ObjectMapper json;

    EmbeddingEndpoint(Encoder encoder, ObjectMapper json) {
        this.encoder = encoder;
        this.json = json;
    }

    String name() { return encoder.name(); }

    ObjectNode handle(JsonNode body) {
        String model = JsonFields.requiredString(body, null, "model");
        OpenAiServer.checkModel(model, encoder.name());
        JsonNode in = body.get("input");
        if (in == null || in.isNull()) throw ApiException.invalid("input", "'input' is required");
        List<String> texts = new ArrayList<>();
        if (in.isTextual()) {
            texts.add(in.asText());
        } else if (in.isArray()) {
            if (in.isEmpty()) throw ApiException.invalid("input", "'input' must not be an empty array");
            for (int i = 0; i < in.size(); i++) {
                JsonNode e = in.get(i);
                if (!e.isTextual()) {
                    throw JsonFields.wrongType(null, "input[" + i + "]", "a string (token-id input is not accepted: the "
                            + "encoder's ids differ from a client tokenizer's)", e);
                }
                texts.add(e.asText());
            }
        } else {
            throw JsonFields.wrongType(null, "input", "a string or an array of strings", in);
        }
        if (texts.size() > MAX_INPUTS) throw ApiException.invalid("input", "'input' holds " + texts.size() + " texts, at most " + MAX_INPUTS + " are allowed");
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) throw ApiException.invalid(texts.size() == 1 ? "input" : "input[" + i + "]", "'input' texts must not be empty");
        }
        String format = JsonFields.optString(body, null, "encoding_format");
        if (format == null) format = "float";
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.invalid("encoding_format", "'encoding_format' must be 'float' or 'base64', got '" + format + "'");
        }
        Integer dims = JsonFields.optInt(body, null, "dimensions", 1, Integer.MAX_VALUE);
        if (dims != null && dims != encoder.dim()) {
            throw ApiException.invalid("dimensions", "'dimensions' is " + dims + " but '" + encoder.name() + "' makes "
                    + encoder.dim() + "-dimensional vectors and was not trained to be shortened");
        }
        int tokens = 0;
        List<float[]> vectors = new ArrayList<>(texts.size());
        synchronized (encoder) { // one forward pass at a time: it already uses every core
            for (String t : texts) tokens += encoder.tokenize(t).length;
            for (int i = 0; i < texts.size(); i += BATCH) {
                for (float[] v : encoder.embed(texts.subList(i, Math.min(texts.size(), i + BATCH)))) vectors.add(v);
            }
        }
        ObjectNode root = json.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
            float[] v = vectors.get(i);
            if (format.equals("base64")) {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) b.putFloat(x);
                e.put("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
                ArrayNode arr = e.putArray("embedding");
                for (float x : v) arr.add(x);
            }
        }
        root.put("model", encoder.name());
        root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return root;
    }
}

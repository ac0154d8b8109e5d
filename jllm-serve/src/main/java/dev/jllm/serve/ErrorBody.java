package dev.jllm.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** OpenAI's error object: {@code {"error": {"message", "type", "param", "code"}}}. Never a stack trace. */
final class ErrorBody {
    private ErrorBody() {}

    static ObjectNode of(ApiException e) {
        return of(e.getMessage(), e.type(), e.param(), e.code());
    }

    static ObjectNode of(String message, String type, String param, String code) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", message);
        err.put("type", type);
        if (param == null) err.putNull("param"); else err.put("param", param);
        if (code == null) err.putNull("code"); else err.put("code", code);
        return root;
    }
}

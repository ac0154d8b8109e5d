package dev.jllm.serve;

/**
 * A request that cannot be served, carried to the HTTP edge and written in OpenAI's error
 * shape {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * @see ErrorBody
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is malformed or a field has a bad value; {@code param} names the field. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /** 400 with a machine-readable code (e.g. {@code context_length_exceeded}). */
    public static ApiException invalid(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", param, code, message);
    }

    public static ApiException modelNotFound(String model, String served) {
        return new ApiException(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist; this server serves '" + served + "' (see GET /v1/models)");
    }

    public int status() { return status; }

    public String type() { return type; }

    public String param() { return param; }

    public String code() { return code; }
}

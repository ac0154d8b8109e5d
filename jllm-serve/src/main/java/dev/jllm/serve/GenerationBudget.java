package dev.jllm.serve;

/** How many tokens a request may generate, given its prompt, what it asked for and the limits. */
final class GenerationBudget {
    private GenerationBudget() {}

    /**
     * @param requested    the client's max_tokens, or null for "as many as fit"
     * @param promptField  the request field the prompt came from (named in errors)
     * @param tokenField   the field the token limit came from
     */
    static int maxTokens(int promptTokens, Integer requested, int context, int serverMax, String promptField, String tokenField) {
        if (requested != null && requested > serverMax) {
            throw ApiException.invalid(tokenField, "'" + tokenField + "' is " + requested + ", more than this server's limit of "
                    + serverMax + " tokens per completion (--max-tokens)");
        }
        int room = context - promptTokens;
        if (requested == null) {
            if (room < 1) throw tooLong(promptTokens, 1, context, promptField);
            return Math.min(room, serverMax);
        }
        if (promptTokens + requested > context) throw tooLong(promptTokens, requested, context, promptField);
        return requested;
    }

    private static ApiException tooLong(int prompt, int completion, int context, String field) {
        return ApiException.invalid(field, "context_length_exceeded", "This model's maximum context length is " + context
                + " tokens. However, you requested " + (prompt + completion) + " tokens (" + prompt + " in the " + field
                + ", " + completion + " for the completion). Please reduce the length of the " + field + " or the completion.");
    }
}

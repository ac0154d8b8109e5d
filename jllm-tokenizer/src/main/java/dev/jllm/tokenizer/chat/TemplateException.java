package dev.jllm.tokenizer.chat;

/**
 * A chat template failed to parse or render: a syntax error, an unknown filter or function, a type
 * error, or the template's own {@code raise_exception(message)} (then {@link #raisedByTemplate()}).
 */
public final class TemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    public TemplateException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = false;
    }

    /** True when the template itself called {@code raise_exception}; the message is the template's. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}

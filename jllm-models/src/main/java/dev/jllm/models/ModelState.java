package dev.jllm.models;

/**
 * What a model keeps for one sequence between forward calls: a KV cache for attention
 * models, a recurrent state for state-space models. The engine owns states; models fill them.
 */
public interface ModelState {
    /** Tokens consumed so far (the position of the next token). */
    int length();

    /** Most tokens this state can hold. */
    int capacity();

    /** Forgets everything after the first {@code length} tokens (speculative decoding rollback, /reset). */
    void truncate(int length);
}

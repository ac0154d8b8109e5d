package dev.jllm.engine.constrain;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * One request's constrained decoding: which tokens may come next, and the state after each token
 * that came. Not thread-safe (one per sequence); the {@link TokenMasks} it draws on is shared.
 *
 * <pre>{@code
 * TokenMasks masks = new TokenMasks(JsonSchemaGrammar.compile(schema), VocabularyIndex.of(tok, endIds)); // once
 * TokenConstraint c = masks.newConstraint();                                                            // per request
 * c.allowed(bits); ... sample among bits ...; c.accept(id);   // or hand c (a NextTokenMask) to a generation loop
 * }</pre>
 */
public final class TokenConstraint implements NextTokenMask {
    private final TokenMasks masks;
    private AutomatonState state;
    private int accepted;
    private boolean ended;

    TokenConstraint(TokenMasks masks) {
        this.masks = masks;
        this.state = masks.grammar().initialState();
    }

    /** Sets {@code out} to exactly the tokens that may come next (none once an end token was accepted). */
    public void allowed(BitSet out) {
        out.clear();
        if (!ended) out.or(masks.allowed(state));
    }

    public boolean isAllowed(int id) {
        return !ended && masks.allowed(state).get(id);
    }

    /**
     * Advances past token {@code id}.
     *
     * @throws IllegalArgumentException if the token is not allowed here
     */
    public void accept(int id) {
        if (ended) throw new IllegalStateException("the constrained output already ended");
        if (id < 0 || id >= masks.vocabulary().size()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary");
        if (masks.vocabulary().isEnd(id)) {
            if (!state.isComplete()) throw new IllegalArgumentException("end token " + id + " is not allowed: the output is not complete");
            ended = true;
            accepted++;
            return;
        }
        byte[] b = masks.bytesOf(id);
        AutomatonState next = b == null ? null : state.step(b);
        if (next == null) {
            throw new IllegalArgumentException("token " + id + (b == null ? " (special)" : " '" + new String(b, StandardCharsets.UTF_8) + "'")
                    + " is not allowed after " + accepted + " tokens of constrained output");
        }
        state = next;
        accepted++;
    }

    /** Whether the output so far is complete (an end token may come now). */
    public boolean isComplete() { return state.isComplete(); }

    /** Whether an end token was accepted. */
    public boolean isEnded() { return ended; }

    /** The automaton state (for inspection and tests). */
    public AutomatonState state() { return state; }

    /** Catches up with the ids generated since the last call, then clears what may not come next. */
    @Override
    public void restrict(int[] generated, int count, BitSet allowed) {
        if (count < accepted) throw new IllegalStateException("the sequence went back from " + accepted + " to " + count + " tokens");
        while (accepted < count) accept(generated[accepted]);
        if (ended) allowed.clear();
        else allowed.and(masks.allowed(state));
    }
}

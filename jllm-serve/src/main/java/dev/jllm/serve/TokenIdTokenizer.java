package dev.jllm.serve;

import dev.jllm.tokenizer.Tokenizer;

/**
 * A stand-in vocabulary for weight files that carry none (the random-weight files of real
 * shapes that {@code jllm bench model-file} writes): token {@code i} reads as {@code " <i>"}.
 * Only {@code jllm bench serve} uses it; clients then send prompts as token ids.
 */
final class TokenIdTokenizer implements Tokenizer {
    private final int vocab;

    TokenIdTokenizer(int vocab) { this.vocab = vocab; }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) {
        String s = text.strip();
        if (s.isEmpty()) return new int[0];
        String[] parts = s.split("\\s+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (!p.startsWith("<") || !p.endsWith(">")) {
                throw new IllegalArgumentException("this model has no vocabulary: write the prompt as token ids like '<12> <7>', got '" + p + "'");
            }
            ids[i] = check(Integer.parseInt(p.substring(1, p.length() - 1)));
        }
        return ids;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(" <").append(check(id)).append('>');
        return sb.toString();
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder() {
            @Override public String next(int id) { return " <" + check(id) + ">"; }

            @Override public String flush() { return ""; }
        };
    }

    @Override public int vocabSize() { return vocab; }

    @Override public String piece(int id) { return "<" + check(id) + ">"; }

    @Override
    public int id(String piece) {
        if (!piece.startsWith("<") || !piece.endsWith(">")) return -1;
        try {
            int id = Integer.parseInt(piece.substring(1, piece.length() - 1));
            return id >= 0 && id < vocab ? id : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override public boolean isSpecial(int id) { return false; }

    @Override public int bosId() { return -1; }

    @Override public int eosId() { return -1; }

    private int check(int id) {
        if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab);
        return id;
    }
}

package dev.jllm.models;

import java.util.Arrays;

/**
 * The work of one batched forward step over a {@link PagedKvCache}: for each sequence, a run of
 * new tokens at its next positions (a decode token, or a chunk of a prompt) and the block table
 * its K/V rows are read from and written to. All tokens of all sequences go through every
 * linear layer together, so each weight is read once per step.
 */
public final class PagedBatch {
    private int seqs, tokens, logitRows;
    private int[] tokenIds = new int[64], rowStart = new int[8], rows = new int[8], pos0 = new int[8], logits = new int[8];
    private int[][] tables = new int[8][];

    /**
     * Adds a sequence's tokens {@code ids[off..off+n)} at positions {@code pos..pos+n)}.
     *
     * @param blockTable the sequence's blocks in position order; must cover {@code pos + n} tokens
     *                   (the blocks of new rows must not be shared with another sequence)
     * @param logitRows  how many of the last rows to produce logits for: 0, 1 (next-token) or n
     */
    public PagedBatch add(int[] ids, int off, int n, int pos, int[] blockTable, int logitRows) {
        if (n <= 0) throw new IllegalArgumentException("a batch entry needs at least one token, got " + n);
        if (pos < 0) throw new IllegalArgumentException("negative position " + pos);
        if (logitRows < 0 || logitRows > n) throw new IllegalArgumentException("logit rows " + logitRows + " outside [0, " + n + "]");
        if (seqs == rows.length) {
            int c = seqs * 2;
            rowStart = Arrays.copyOf(rowStart, c);
            rows = Arrays.copyOf(rows, c);
            pos0 = Arrays.copyOf(pos0, c);
            logits = Arrays.copyOf(logits, c);
            tables = Arrays.copyOf(tables, c);
        }
        if (tokens + n > tokenIds.length) tokenIds = Arrays.copyOf(tokenIds, Math.max(tokenIds.length * 2, tokens + n));
        System.arraycopy(ids, off, tokenIds, tokens, n);
        rowStart[seqs] = tokens;
        rows[seqs] = n;
        pos0[seqs] = pos;
        logits[seqs] = logitRows;
        tables[seqs] = blockTable;
        seqs++;
        tokens += n;
        this.logitRows += logitRows;
        return this;
    }

    /** Empties the batch for reuse. */
    public void clear() { seqs = tokens = logitRows = 0; }

    public int sequences() { return seqs; }
    /** Tokens over all sequences (rows of the step's activations). */
    public int tokens() { return tokens; }
    /** Logit rows the step writes, sequence by sequence in insertion order. */
    public int logitRows() { return logitRows; }

    int[] tokenIds() { return tokenIds; }
    int[] rowStarts() { return rowStart; }
    int[] rowCounts() { return rows; }
    int[] positions() { return pos0; }
    int[][] tables() { return tables; }
    int logitRowsOf(int s) { return logits[s]; }

    /**
     * Checks the batch against a model and its pool (every sequence within {@code context} and
     * covered by its block table, every token id in the vocabulary; {@code contextNote} ends the
     * context message) and returns each row's position.
     */
    int[] checkedPositions(int context, int vocab, int blockSize, String contextNote) {
        if (seqs == 0) throw new IllegalArgumentException("forwardBatch needs at least one sequence");
        int[] positions = new int[tokens];
        for (int s = 0; s < seqs; s++) {
            if (pos0[s] + rows[s] > context) {
                throw new IllegalArgumentException("sequence " + s + " would reach " + (pos0[s] + rows[s]) + " tokens, "
                        + contextNote + context);
            }
            if ((long) tables[s].length * blockSize < pos0[s] + rows[s]) {
                throw new IllegalArgumentException("sequence " + s + ": its " + tables[s].length + " blocks of " + blockSize
                        + " cannot hold " + (pos0[s] + rows[s]) + " tokens");
            }
            for (int i = 0; i < rows[s]; i++) positions[rowStart[s] + i] = pos0[s] + i;
        }
        for (int i = 0; i < tokens; i++) {
            if (tokenIds[i] < 0 || tokenIds[i] >= vocab) throw new IllegalArgumentException("token id " + tokenIds[i] + " outside the vocabulary of " + vocab);
        }
        return positions;
    }

    /** Checks that {@code logits} holds {@link #logitRows()} rows of {@code vocab}. */
    void checkLogits(float[] logits, int vocab) {
        if (logits.length < (long) logitRows * vocab) {
            throw new IllegalArgumentException("logits array holds " + logits.length + " floats, needs " + (long) logitRows * vocab);
        }
    }

    /** The rows of the step's activations {@code x} ([tokens, dim]) that produce logits, in order: [logitRows, dim]. */
    float[] logitInputs(float[] x, int dim) {
        float[] last = new float[logitRows * dim];
        for (int s = 0, r = 0; s < seqs; s++) {
            int k = logits[s];
            System.arraycopy(x, (rowStart[s] + rows[s] - k) * dim, last, r * dim, k * dim);
            r += k;
        }
        return last;
    }
}

package dev.jllm.nn;

import dev.jllm.tensor.Tensor;

/** A token embedding table [vocab, dim] of any dtype; rows are dequantized on lookup. */
public final class Embedding {
    private final Tensor table;

    public Embedding(Tensor table) {
        if (table.rank() != 2) throw new IllegalArgumentException("an embedding table must be [vocab, dim], got rank " + table.rank());
        this.table = table;
    }

    public int vocab() { return (int) table.dim(0); }
    public int dim() { return (int) table.dim(1); }
    public Tensor table() { return table; }

    /** {@code y[i] = table[tokens[off + i]]} for {@code n} tokens; ids are checked against the vocabulary. */
    public void forward(int[] tokens, int off, int n, float[] y) {
        int vocab = vocab();
        for (int i = off; i < off + n; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[i] + " outside the vocabulary of " + vocab);
            }
        }
        dev.jllm.tensor.kernel.Embedding.gather(table, tokens, off, n, y, 0);
    }
}

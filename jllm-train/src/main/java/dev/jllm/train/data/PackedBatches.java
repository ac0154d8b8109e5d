package dev.jllm.train.data;

/**
 * Training batches: each epoch shuffles the documents (by seed and epoch number), lays them
 * end to end with EOS separators, and cuts consecutive windows of {@code seqLen + 1} tokens
 * advancing by {@code seqLen}: inputs are a window's first {@code seqLen} tokens, targets its
 * last {@code seqLen}. A tail shorter than a window is dropped and the next epoch begins.
 *
 * <p>The whole state is {@link Position} (epoch, stream offset): saving it in a checkpoint and
 * calling {@link #seek} continues with exactly the batches an uninterrupted run would see.
 */
public final class PackedBatches {
    /** Where the next window starts: epoch number and token offset in that epoch's stream. */
    public record Position(int epoch, long offset) {}

    private final TokenDataset data;
    private final int eos;
    private final int rows;
    private final int seqLen;
    private final long seed;
    private DocumentStream stream;
    private int epoch = -1;
    private long offset;

    public PackedBatches(TokenDataset data, int eos, int rows, int seqLen, long seed) {
        if (rows < 1 || seqLen < 1) throw new IllegalArgumentException("batch rows and sequence length must be >= 1");
        if (eos < 0 || eos >= data.vocabSize()) throw new IllegalArgumentException("EOS id " + eos + " is outside the vocabulary of " + data.vocabSize());
        long streamLen = data.tokens() + data.documents();
        if (streamLen < seqLen + 1L) {
            throw new IllegalArgumentException("the training split holds " + streamLen + " tokens (with separators), "
                    + "fewer than one window of context + 1 = " + (seqLen + 1) + "; add data or shorten the context");
        }
        this.data = data;
        this.eos = eos;
        this.rows = rows;
        this.seqLen = seqLen;
        this.seed = seed;
        seek(new Position(0, 0));
    }

    public Position position() { return new Position(epoch, offset); }

    public void seek(Position p) {
        if (p.epoch() < 0 || p.offset() < 0) throw new IllegalArgumentException("bad data position " + p);
        if (p.epoch() != epoch) {
            stream = new DocumentStream(data, Shuffle.permutation(data.documents(), seed, p.epoch()), eos);
            epoch = p.epoch();
        }
        if (p.offset() > stream.length()) {
            throw new IllegalArgumentException("data position " + p + " lies past the end of epoch " + p.epoch()
                    + " (" + stream.length() + " tokens): the checkpoint does not belong to this dataset");
        }
        offset = p.offset();
    }

    /** Tokens per epoch that windows can cover (separators included). */
    public long epochTokens() { return stream.length(); }

    public Batch next() {
        int n = rows * seqLen;
        int[] inputs = new int[n], targets = new int[n], docs = new int[n];
        int[] window = new int[seqLen + 1], wdocs = new int[seqLen + 1];
        for (int r = 0; r < rows; r++) {
            if (offset + seqLen + 1 > stream.length()) seek(new Position(epoch + 1, 0));
            stream.read(offset, seqLen + 1, window, wdocs, 0);
            System.arraycopy(window, 0, inputs, r * seqLen, seqLen);
            System.arraycopy(window, 1, targets, r * seqLen, seqLen);
            System.arraycopy(wdocs, 0, docs, r * seqLen, seqLen);
            offset += seqLen;
        }
        return new Batch(inputs, targets, docs, rows, seqLen);
    }
}

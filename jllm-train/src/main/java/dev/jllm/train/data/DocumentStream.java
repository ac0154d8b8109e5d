package dev.jllm.train.data;

/**
 * The documents of a split laid end to end in a given order, each preceded by the EOS id (so
 * a document's first token is predicted from the separator alone, as generation starts):
 * {@code EOS d0 ... EOS d1 ...}. Every position carries the document it belongs to; the
 * separator belongs to the document it opens.
 */
final class DocumentStream {
    private final TokenDataset data;
    private final int[] order;
    private final long[] starts; // starts[k] = stream position of order[k]'s separator
    private final int eos;

    DocumentStream(TokenDataset data, int[] order, int eos) {
        this.data = data;
        this.order = order;
        this.eos = eos;
        starts = new long[order.length + 1];
        for (int k = 0; k < order.length; k++) starts[k + 1] = starts[k] + data.docLength(order[k]) + 1;
    }

    long length() { return starts[order.length]; }

    /** Copies stream positions [pos, pos + n) into {@code tokens[off..]} and their document ids into {@code docs[off..]}. */
    void read(long pos, int n, int[] tokens, int[] docs, int off) {
        if (pos < 0 || pos + n > length()) throw new IndexOutOfBoundsException("stream [" + pos + ", " + (pos + n) + ") of " + length());
        int k = find(pos);
        int i = 0;
        while (i < n) {
            long within = pos + i - starts[k];
            int doc = order[k];
            int docLen = data.docLength(doc);
            if (within == 0) {
                tokens[off + i] = eos;
                docs[off + i] = doc;
                i++;
                continue;
            }
            int from = (int) (within - 1);
            int take = Math.min(n - i, docLen - from);
            if (take > 0) {
                data.read(doc, from, tokens, off + i, take);
                java.util.Arrays.fill(docs, off + i, off + i + take, doc);
                i += take;
            }
            k++;
        }
    }

    /** The k with starts[k] <= pos < starts[k+1]. */
    private int find(long pos) {
        int lo = 0, hi = order.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= pos) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}

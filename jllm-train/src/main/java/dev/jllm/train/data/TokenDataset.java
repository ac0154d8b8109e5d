package dev.jllm.train.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One split (train or validation): its shards seen as a single list of documents. */
public final class TokenDataset implements AutoCloseable {
    private final List<TokenShard> shards;
    private final int[] shardOfDoc;
    private final int[] localDoc;
    private final long tokens;

    public TokenDataset(List<TokenShard> shards) {
        if (shards.isEmpty()) throw new IllegalArgumentException("a dataset needs at least one shard");
        this.shards = List.copyOf(shards);
        int vocab = shards.getFirst().vocabSize();
        int docs = 0;
        long n = 0;
        for (TokenShard s : shards) {
            if (s.vocabSize() != vocab) {
                throw new IllegalArgumentException(s.path() + ": vocabulary " + s.vocabSize() + ", other shards have " + vocab);
            }
            docs += s.documents();
            n += s.tokens();
        }
        shardOfDoc = new int[docs];
        localDoc = new int[docs];
        int d = 0;
        for (int i = 0; i < shards.size(); i++) {
            for (int j = 0; j < shards.get(i).documents(); j++, d++) {
                shardOfDoc[d] = i;
                localDoc[d] = j;
            }
        }
        tokens = n;
    }

    /** Opens {@code <prefix>-NNNNN.bin} shards in {@code dir}, in name order. */
    public static TokenDataset open(Path dir, String prefix) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix + "-") && n.endsWith(".bin");
            }).sorted().toList();
        }
        if (files.isEmpty()) throw new IOException(dir + ": no " + prefix + "-*.bin token shards");
        List<TokenShard> open = new ArrayList<>();
        try {
            for (Path f : files) open.add(TokenShard.open(f));
        } catch (IOException | RuntimeException e) {
            for (TokenShard s : open) s.close();
            throw e;
        }
        return new TokenDataset(open);
    }

    public int vocabSize() { return shards.getFirst().vocabSize(); }
    public int documents() { return shardOfDoc.length; }
    public long tokens() { return tokens; }
    public int docLength(int doc) { return shards.get(shardOfDoc[doc]).docLength(localDoc[doc]); }

    /** Copies {@code n} tokens of document {@code doc} from token {@code from} into {@code dst[off..]}. */
    public void read(int doc, int from, int[] dst, int off, int n) {
        TokenShard s = shards.get(shardOfDoc[doc]);
        int local = localDoc[doc];
        if (from < 0 || from + n > s.docLength(local)) {
            throw new IndexOutOfBoundsException("document " + doc + ": tokens [" + from + ", " + (from + n) + ") of " + s.docLength(local));
        }
        s.read(s.docStart(local) + from, dst, off, n);
    }

    public int[] document(int doc) { return shards.get(shardOfDoc[doc]).document(localDoc[doc]); }

    @Override
    public void close() {
        for (TokenShard s : shards) s.close();
    }
}

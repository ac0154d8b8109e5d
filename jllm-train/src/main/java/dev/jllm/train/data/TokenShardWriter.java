package dev.jllm.train.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tokenized documents as {@link TokenShard} files {@code <prefix>-00000.bin}, ... of at
 * most {@code maxTokensPerShard} tokens each (a longer document gets a shard of its own). Each
 * file is written beside its target and renamed into place, so a reader never sees half a shard.
 */
public final class TokenShardWriter {
    private final Path dir;
    private final String prefix;
    private final int vocabSize;
    private final long maxTokensPerShard;
    private final List<int[]> pending = new ArrayList<>();
    private final List<Path> written = new ArrayList<>();
    private long pendingTokens;

    public TokenShardWriter(Path dir, String prefix, int vocabSize, long maxTokensPerShard) {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        if (maxTokensPerShard <= 0) throw new IllegalArgumentException("maxTokensPerShard must be positive");
        this.dir = dir;
        this.prefix = prefix;
        this.vocabSize = vocabSize;
        this.maxTokensPerShard = maxTokensPerShard;
    }

    /** Adds one document; ids must lie in [0, vocabSize). */
    public void add(int[] doc) throws IOException {
        for (int i = 0; i < doc.length; i++) {
            if (doc[i] < 0 || doc[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + doc[i] + " at position " + i + " is outside the vocabulary of " + vocabSize);
            }
        }
        if (!pending.isEmpty() && pendingTokens + doc.length > maxTokensPerShard) flush();
        pending.add(doc);
        pendingTokens += doc.length;
    }

    /** Writes what is pending and returns every shard written, in order. */
    public List<Path> finish() throws IOException {
        if (!pending.isEmpty() || written.isEmpty()) flush();
        return List.copyOf(written);
    }

    private void flush() throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(String.format("%s-%05d.bin", prefix, written.size()));
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        int tb = TokenShard.tokenBytesFor(vocabSize);
        long docs = pending.size();
        ByteBuffer head = ByteBuffer.allocate(Math.toIntExact(TokenShard.HEADER_BYTES + 8 * (docs + 1))).order(ByteOrder.LITTLE_ENDIAN);
        head.put(TokenShard.MAGIC).putInt(TokenShard.VERSION).putInt(tb).putInt(vocabSize).putInt(0)
                .putLong(pendingTokens).putLong(docs);
        long at = 0;
        for (int[] d : pending) {
            head.putLong(at);
            at += d.length;
        }
        head.putLong(at).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int[] d : pending) {
                for (int t : d) {
                    if (buf.remaining() < 4) {
                        buf.flip();
                        while (buf.hasRemaining()) ch.write(buf);
                        buf.clear();
                    }
                    if (tb == 2) buf.putShort((short) t);
                    else buf.putInt(t);
                }
            }
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        written.add(target);
        pending.clear();
        pendingTokens = 0;
    }
}

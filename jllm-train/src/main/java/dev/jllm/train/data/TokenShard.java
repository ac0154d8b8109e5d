package dev.jllm.train.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One file of tokenized documents, memory-mapped for reading. Layout (little-endian):
 * <pre>
 *  0  magic "JLLMTOK1"        8 bytes
 *  8  version (1)             int32
 * 12  bytes per token (2|4)   int32   uint16 when the vocabulary fits in 65,536 ids, else uint32
 * 16  vocabulary size         int32
 * 20  reserved (0)            int32
 * 24  token count             int64
 * 32  document count D        int64
 * 40  document starts         int64[D + 1]   token index where each document begins; the last is the token count
 * 48+8D  tokens
 * </pre>
 * The index lets the packer find documents without scanning tokens, and lets the split and
 * the shuffle work on whole documents.
 */
public final class TokenShard implements AutoCloseable {
    static final byte[] MAGIC = "JLLMTOK1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = 40;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int tokenBytes;
    private final int vocabSize;
    private final long tokens;
    private final long[] docStarts;
    private final long tokenBase;

    private TokenShard(Path path, Arena arena, MemorySegment file, int tokenBytes, int vocabSize, long tokens,
                       long[] docStarts, long tokenBase) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.tokenBytes = tokenBytes;
        this.vocabSize = vocabSize;
        this.tokens = tokens;
        this.docStarts = docStarts;
        this.tokenBase = tokenBase;
    }

    /** Bytes per token for a vocabulary: 2 when every id fits in an unsigned 16-bit value. */
    public static int tokenBytesFor(int vocabSize) {
        return vocabSize <= 65536 ? 2 : 4;
    }

    /** Maps a shard and checks its header, index and every token id against the vocabulary. */
    public static TokenShard open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException(path + ": token shard not found");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES + 8) throw new IOException(path + ": " + size + " bytes is too short for a token shard header");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            for (int i = 0; i < MAGIC.length; i++) {
                if (seg.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                    throw new IOException(path + ": not a jllm token shard (bad magic at offset " + i + ")");
                }
            }
            int version = seg.get(I32, 8);
            if (version != VERSION) throw new IOException(path + ": token shard version " + version + ", expected " + VERSION);
            int tb = seg.get(I32, 12);
            int vocab = seg.get(I32, 16);
            if (tb != 2 && tb != 4) throw new IOException(path + ": offset 12: bytes per token " + tb + ", expected 2 or 4");
            if (vocab <= 0 || tb != tokenBytesFor(vocab)) {
                throw new IOException(path + ": offset 16: vocabulary " + vocab + " does not match " + tb + " bytes per token");
            }
            long n = seg.get(I64, 24);
            long docs = seg.get(I64, 32);
            if (n < 0 || docs < 0 || docs > (size - HEADER_BYTES) / 8) {
                throw new IOException(path + ": offset 24: implausible counts (" + n + " tokens, " + docs + " documents)");
            }
            long base = HEADER_BYTES + 8 * (docs + 1);
            long expected = base + n * tb;
            if (size != expected) {
                throw new IOException(path + ": file is " + size + " bytes, header says " + expected
                        + " (" + n + " tokens, " + docs + " documents)");
            }
            long[] starts = new long[Math.toIntExact(docs + 1)];
            for (int d = 0; d <= docs; d++) {
                starts[d] = seg.get(I64, HEADER_BYTES + 8L * d);
                if ((d == 0 && starts[d] != 0) || (d > 0 && starts[d] < starts[d - 1])) {
                    throw new IOException(path + ": offset " + (HEADER_BYTES + 8L * d) + ": document " + d
                            + " starts at token " + starts[d] + ", out of order");
                }
            }
            if (starts[starts.length - 1] != n) {
                throw new IOException(path + ": document index ends at token " + starts[starts.length - 1] + ", token count is " + n);
            }
            TokenShard s = new TokenShard(path, arena, seg, tb, vocab, n, starts, base);
            for (long i = 0; i < n; i++) {
                int t = s.token(i);
                if (t >= vocab) {
                    throw new IOException(path + ": offset " + (base + i * tb) + ": token id " + t + " >= vocabulary " + vocab);
                }
            }
            return s;
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }
    public int vocabSize() { return vocabSize; }
    public int tokenBytes() { return tokenBytes; }
    public long tokens() { return tokens; }
    public int documents() { return docStarts.length - 1; }
    public long docStart(int doc) { return docStarts[doc]; }
    public int docLength(int doc) { return Math.toIntExact(docStarts[doc + 1] - docStarts[doc]); }

    public int token(long i) {
        long at = tokenBase + i * tokenBytes;
        return tokenBytes == 2 ? Short.toUnsignedInt(file.get(U16, at)) : file.get(I32, at);
    }

    /** Copies {@code n} tokens starting at token {@code from} into {@code dst[off..]}. */
    public void read(long from, int[] dst, int off, int n) {
        if (from < 0 || from + n > tokens) throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + n) + ") of " + tokens);
        for (int i = 0; i < n; i++) dst[off + i] = token(from + i);
    }

    /** The tokens of one document. */
    public int[] document(int doc) {
        int[] out = new int[docLength(doc)];
        read(docStarts[doc], out, 0, out.length);
        return out;
    }

    @Override
    public void close() { arena.close(); }
}

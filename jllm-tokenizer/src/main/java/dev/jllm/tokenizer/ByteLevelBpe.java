package dev.jllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Byte-level BPE (GPT-2, GPT-4's cl100k/o200k, Llama 3, Qwen2/3, DeepSeek-V3): text → added
 * tokens split off → normalized → pre-tokenized by a split pattern → each piece's UTF-8 bytes
 * merged by rank. Built from a tiktoken rank file or a Hugging Face tokenizer.json by
 * {@link Tokenizers}; thread-safe once built.
 */
public final class ByteLevelBpe implements Tokenizer {
    private final byte[][] tokenBytes;
    private final String[] pieces;
    private final Map<String, Integer> pieceToId;
    private final boolean[] special;
    private final int[] byteToId;
    private final ByteLevelBpeMerges merges;
    private final ByteLevelBpePieceTable wholePieces;
    private final PreTokenizer preTokenizer;
    private final UnaryOperator<String> normalizer;
    private final boolean addPrefixSpace;
    private final SpecialTokens rawAdded;
    private final SpecialTokens normalizedAdded;
    private final int[] prefixIds;
    private final int[] suffixIds;
    private final int bos;
    private final int eos;
    private final ThreadLocal<ByteLevelBpePieceCache> caches = ThreadLocal.withInitial(ByteLevelBpePieceCache::new);

    private ByteLevelBpe(Builder b) {
        int size = b.vocab.length;
        for (SpecialTokens.Entry e : b.added) size = Math.max(size, e.id() + 1);
        pieces = Arrays.copyOf(b.vocab, size);
        tokenBytes = new byte[size][];
        special = new boolean[size];
        pieceToId = new HashMap<>(size * 2);
        for (int id = 0; id < b.vocab.length; id++) {
            if (b.vocab[id] == null) continue;
            tokenBytes[id] = ByteLevelBpeAlphabet.decodeLenient(b.vocab[id]);
            pieceToId.putIfAbsent(b.vocab[id], id);
        }
        // Single-byte tokens come from the model vocabulary, before added tokens may shadow a piece.
        byteToId = new int[256];
        for (int x = 0; x < 256; x++) {
            Integer id = pieceToId.get(String.valueOf(ByteLevelBpeAlphabet.charOf(x)));
            byteToId[x] = id == null ? -1 : id;
        }
        List<SpecialTokens.Entry> raw = new ArrayList<>(), norm = new ArrayList<>();
        for (SpecialTokens.Entry e : b.added) {
            // As in Hugging Face, an added token's own content decides its piece and its bytes.
            pieces[e.id()] = e.content();
            tokenBytes[e.id()] = ByteLevelBpeAlphabet.decodeLenient(e.content());
            special[e.id()] = e.special();
            pieceToId.put(e.content(), e.id());
            if (b.normalizer != null && b.normalizedAdded.contains(e.id())) {
                norm.add(new SpecialTokens.Entry(b.normalizer.apply(e.content()), e.id(), e.special(),
                        e.lstrip(), e.rstrip(), e.singleWord()));
            } else {
                raw.add(e);
            }
        }
        rawAdded = new SpecialTokens(raw);
        normalizedAdded = new SpecialTokens(norm);
        merges = b.merges;
        if (b.wholePieceLookup) {
            String[] texts = new String[b.vocab.length];
            for (int id = 0; id < b.vocab.length; id++) {
                byte[] modelBytes = b.vocab[id] == null ? null : ByteLevelBpeAlphabet.decodeOrNull(b.vocab[id]);
                // A partial UTF-8 sequence can never equal the text of a piece.
                if (modelBytes != null && isValidUtf8(modelBytes)) texts[id] = new String(modelBytes, StandardCharsets.UTF_8);
            }
            wholePieces = new ByteLevelBpePieceTable(texts);
        } else {
            wholePieces = null;
        }
        preTokenizer = b.preTokenizer;
        normalizer = b.normalizer;
        addPrefixSpace = b.addPrefixSpace;
        prefixIds = b.prefixIds.clone();
        suffixIds = b.suffixIds.clone();
        bos = b.bos;
        eos = b.eos;
        for (int id : prefixIds) checkId(id, "post-processor");
        for (int id : suffixIds) checkId(id, "post-processor");
    }

    private void checkId(int id, String what) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new IllegalArgumentException(what + " refers to token id " + id + ", which is not in the vocabulary");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- encoding -------------------------------------------------------------------------

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) {
        String s = replaceLoneSurrogates(text);
        Encoder enc = new Encoder(s.length() / 3 + 16, caches.get());
        if (addSpecialTokens) enc.out.addAll(prefixIds);
        if (rawAdded.isEmpty()) {
            encodeText(s, 0, s.length(), parseSpecial, enc);
        } else {
            rawAdded.split(s, 0, s.length(), parseSpecial, new SpecialTokens.Sink() {
                @Override public void text(int start, int end) { encodeText(s, start, end, parseSpecial, enc); }
                @Override public void token(int id) { enc.out.add(id); }
            });
        }
        if (addSpecialTokens) enc.out.addAll(suffixIds);
        return enc.out.toArray();
    }

    /** Encodes text without added-token matching, normalization or templates: tiktoken's encode_ordinary. */
    public int[] encodeOrdinary(String text) {
        String s = replaceLoneSurrogates(text);
        Encoder enc = new Encoder(s.length() / 3 + 16, caches.get());
        preTokenize(s, 0, s.length(), enc);
        return enc.out.toArray();
    }

    /** A segment between raw added tokens: normalize, match normalized added tokens, pre-tokenize. */
    private void encodeText(String s, int start, int end, boolean parseSpecial, Encoder enc) {
        if (normalizer == null && !addPrefixSpace) {
            preTokenize(s, start, end, enc);
            return;
        }
        String t = s.substring(start, end);
        if (normalizer != null) t = normalizer.apply(t);
        if (normalizedAdded.isEmpty()) {
            prefixAndPreTokenize(t, 0, t.length(), enc);
        } else {
            String nt = t;
            normalizedAdded.split(nt, 0, nt.length(), parseSpecial, new SpecialTokens.Sink() {
                @Override public void text(int a, int b) { prefixAndPreTokenize(nt, a, b, enc); }
                @Override public void token(int id) { enc.out.add(id); }
            });
        }
    }

    private void prefixAndPreTokenize(String t, int start, int end, Encoder enc) {
        if (addPrefixSpace && start < end && t.charAt(start) != ' ') {
            String p = " " + t.substring(start, end);
            preTokenize(p, 0, p.length(), enc);
        } else {
            preTokenize(t, start, end, enc);
        }
    }

    private void preTokenize(String s, int start, int end, Encoder enc) {
        preTokenizer.split(s, start, end, (a, b) -> encodePiece(s, a, b, enc));
    }

    private void encodePiece(String s, int start, int end, Encoder enc) {
        int hash = ByteLevelBpePieceTable.hash(s, start, end);
        if (wholePieces != null) {
            int id = wholePieces.get(s, start, end, hash);
            if (id >= 0) {
                enc.out.add(id);
                return;
            }
        }
        int[] hit = enc.cache.get(s, start, end, hash);
        if (hit == null) {
            hit = mergePiece(s, start, end, enc);
            enc.cache.put(s, start, end, hash, hit);
        }
        enc.out.addAll(hit);
    }

    /** UTF-8 bytes of the piece → byte tokens → merged; result in enc.ids[0..enc.count). */
    private int[] mergePiece(String s, int start, int end, Encoder enc) {
        int[] ids = enc.ids(4 * (end - start));
        int n = 0;
        for (int i = start; i < end; i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                n = put(ids, n, c);
            } else if (c < 0x800) {
                n = put(ids, n, 0xC0 | (c >> 6));
                n = put(ids, n, 0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate((char) c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint((char) c, s.charAt(++i));
                n = put(ids, n, 0xF0 | (cp >> 18));
                n = put(ids, n, 0x80 | ((cp >> 12) & 0x3F));
                n = put(ids, n, 0x80 | ((cp >> 6) & 0x3F));
                n = put(ids, n, 0x80 | (cp & 0x3F));
            } else {
                n = put(ids, n, 0xE0 | (c >> 12));
                n = put(ids, n, 0x80 | ((c >> 6) & 0x3F));
                n = put(ids, n, 0x80 | (c & 0x3F));
            }
        }
        n = merges.merge(ids, n, enc.pairs(n));
        return Arrays.copyOf(ids, n);
    }

    /** Appends the token of one byte; a byte with no token is dropped, as Hugging Face's BPE does without an unk token. */
    private int put(int[] ids, int n, int b) {
        int id = byteToId[b];
        if (id < 0) return n;
        ids[n] = id;
        return n + 1;
    }

    /** Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
    static boolean isValidUtf8(byte[] b) {
        int i = 0, n = b.length;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
            if (need < 0 || i + need >= n) return false;
            int c1 = b[i + 1] & 0xFF;
            int lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
            int hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
            if (c1 < lo || c1 > hi) return false;
            for (int k = 2; k <= need; k++) if ((b[i + k] & 0xC0) != 0x80) return false;
            i += need + 1;
        }
        return true;
    }

    /** Lone surrogates cannot be UTF-8; they become U+FFFD, as when a string crosses into Rust. */
    static String replaceLoneSurrogates(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                StringBuilder b = new StringBuilder(n);
                for (int j = 0; j < n; j++) {
                    char d = s.charAt(j);
                    if (Character.isHighSurrogate(d) && j + 1 < n && Character.isLowSurrogate(s.charAt(j + 1))) {
                        b.append(d).append(s.charAt(++j));
                    } else {
                        b.append(Character.isSurrogate(d) ? '\uFFFD' : d);
                    }
                }
                return b.toString();
            }
        }
        return s;
    }

    /** Per-call scratch space and output. */
    private static final class Encoder {
        final IntList out;
        final ByteLevelBpePieceCache cache;
        private int[] ids = new int[64];
        private long[] pairs = new long[64];

        Encoder(int capacity, ByteLevelBpePieceCache cache) {
            out = new IntList(capacity);
            this.cache = cache;
        }

        int[] ids(int n) {
            if (ids.length < n) ids = new int[Math.max(n, ids.length * 2)];
            return ids;
        }

        long[] pairs(int n) {
            if (pairs.length < n) pairs = new long[Math.max(n, pairs.length * 2)];
            return pairs;
        }
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(8, capacity)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[n++] = v;
        }

        void addAll(int[] v) {
            addAll(v, v.length);
        }

        void addAll(int[] v, int len) {
            if (n + len > a.length) a = Arrays.copyOf(a, Math.max(n + len, a.length * 2));
            System.arraycopy(v, 0, a, n, len);
            n += len;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    // ---- decoding and vocabulary ------------------------------------------------------------

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        return new String(decodeBytes(ids, skipSpecial), StandardCharsets.UTF_8);
    }

    /** The bytes of the ids, concatenated. */
    public byte[] decodeBytes(int[] ids, boolean skipSpecial) {
        int total = 0;
        for (int id : ids) total += bytesOf(id).length;
        byte[] out = new byte[total];
        int p = 0;
        for (int id : ids) {
            if (skipSpecial && special[id]) continue;
            byte[] b = tokenBytes[id];
            System.arraycopy(b, 0, out, p, b.length);
            p += b.length;
        }
        return p == total ? out : Arrays.copyOf(out, p);
    }

    /** The bytes one token stands for. */
    public byte[] bytesOf(int id) {
        if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is out of range (vocabulary size "
                    + tokenBytes.length + ")");
        }
        return tokenBytes[id];
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new Utf8StreamDecoder(this::bytesOf);
    }

    /** A streaming decoder that drops special tokens. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return skipSpecial ? new Utf8StreamDecoder(id -> special[id] ? new byte[0] : bytesOf(id)) : streamingDecoder();
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public String piece(int id) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is out of range (vocabulary size " + pieces.length + ")");
        }
        return pieces[id];
    }

    @Override
    public int id(String piece) {
        Integer id = pieceToId.get(piece);
        return id == null ? -1 : id;
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    /** All added/special tokens, as matched in text. */
    public List<SpecialTokens.Entry> addedTokens() {
        List<SpecialTokens.Entry> all = new ArrayList<>(rawAdded.entries());
        all.addAll(normalizedAdded.entries());
        return all;
    }

    /** Number of merge rules (pairs) in the table. */
    public int mergeCount() {
        return merges.size();
    }

    // ---- building ---------------------------------------------------------------------------

    /** Assembles a {@link ByteLevelBpe}; {@link Tokenizers} fills it from files. */
    public static final class Builder {
        private String[] vocab;
        private ByteLevelBpeMerges merges;
        private boolean wholePieceLookup;
        private final List<SpecialTokens.Entry> added = new ArrayList<>();
        private final java.util.Set<Integer> normalizedAdded = new java.util.HashSet<>();
        private PreTokenizer preTokenizer;
        private UnaryOperator<String> normalizer;
        private boolean addPrefixSpace;
        private int[] prefixIds = new int[0];
        private int[] suffixIds = new int[0];
        private int bos = -1;
        private int eos = -1;

        private Builder() {}

        /** Vocabulary in the byte-level spelling ("Ġthe"), indexed by id; null for unused ids. */
        public Builder vocab(String[] vocab) {
            this.vocab = vocab.clone();
            return this;
        }

        /**
         * Merge rules as Hugging Face lists them, rank = position: each entry is {left, right}
         * in the byte-level spelling.
         */
        public Builder merges(List<String[]> rules) {
            requireVocab();
            Map<String, Integer> index = new HashMap<>(vocab.length * 2);
            for (int id = 0; id < vocab.length; id++) if (vocab[id] != null) index.putIfAbsent(vocab[id], id);
            ByteLevelBpeMerges m = new ByteLevelBpeMerges(rules.size());
            for (int rank = 0; rank < rules.size(); rank++) {
                String[] r = rules.get(rank);
                Integer a = index.get(r[0]), b = index.get(r[1]), ab = index.get(r[0] + r[1]);
                if (a == null || b == null || ab == null) {
                    throw new IllegalArgumentException("merge " + rank + " ('" + r[0] + "' '" + r[1]
                            + "') uses a token that is not in the vocabulary: "
                            + (a == null ? r[0] : b == null ? r[1] : r[0] + r[1]));
                }
                m.put(a, b, rank, ab);
            }
            this.merges = m;
            return this;
        }

        /**
         * tiktoken semantics: the vocabulary's ids are its ranks; the pair whose concatenation has
         * the lowest rank merges first, and a piece that is itself a token maps straight to it.
         */
        public Builder mergesFromRanks() {
            requireVocab();
            for (int id = 0; id < vocab.length; id++) {
                if (vocab[id] != null && ByteLevelBpeAlphabet.decodeOrNull(vocab[id]) == null) {
                    throw new IllegalArgumentException("token " + id + " is not in the byte-level alphabet: " + vocab[id]);
                }
            }
            // One char per byte in the byte-level spelling, so splits of the bytes are splits of the string.
            ByteLevelBpePieceTable byText = new ByteLevelBpePieceTable(vocab);
            ByteLevelBpeMerges m = new ByteLevelBpeMerges(vocab.length * 3);
            for (int id = 0; id < vocab.length; id++) {
                String t = vocab[id];
                if (t == null) continue;
                for (int k = 1; k < t.length(); k++) {
                    int a = byText.get(t, 0, k);
                    if (a < 0) continue;
                    int b = byText.get(t, k, t.length());
                    if (b >= 0) m.put(a, b, id, id);
                }
            }
            this.merges = m;
            this.wholePieceLookup = true;
            return this;
        }

        /** Hugging Face {@code ignore_merges}: a piece that is in the vocabulary maps straight to it. */
        public Builder ignoreMerges(boolean ignore) {
            this.wholePieceLookup = ignore;
            return this;
        }

        /** An added token matched in text before pre-tokenization; {@code normalized}: matched after normalization. */
        public Builder addedToken(SpecialTokens.Entry entry, boolean normalized) {
            added.add(entry);
            if (normalized) normalizedAdded.add(entry.id());
            return this;
        }

        public Builder preTokenizer(PreTokenizer p) {
            this.preTokenizer = p;
            return this;
        }

        /** Applied to text between raw added tokens; null for none. */
        public Builder normalizer(UnaryOperator<String> n) {
            this.normalizer = n;
            return this;
        }

        /** ByteLevel {@code add_prefix_space}: a space is put before a segment that does not start with one. */
        public Builder addPrefixSpace(boolean add) {
            this.addPrefixSpace = add;
            return this;
        }

        /** Ids the post-processor puts before and after the text when special tokens are added. */
        public Builder template(int[] prefix, int[] suffix) {
            this.prefixIds = prefix.clone();
            this.suffixIds = suffix.clone();
            return this;
        }

        public Builder bos(int id) {
            this.bos = id;
            return this;
        }

        public Builder eos(int id) {
            this.eos = id;
            return this;
        }

        public ByteLevelBpe build() {
            requireVocab();
            if (merges == null) merges = new ByteLevelBpeMerges(16);
            if (preTokenizer == null) throw new IllegalStateException("no pre-tokenizer set");
            return new ByteLevelBpe(this);
        }

        private void requireVocab() {
            if (vocab == null) throw new IllegalStateException("vocab must be set first");
        }
    }
}

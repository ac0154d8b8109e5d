package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * WordPiece (BERT family): added tokens are cut out of the raw text, each segment is normalized
 * ({@link BertNormalizer}) and split into words ({@link BertPreTokenizer}), and each word is
 * covered greedily by the longest vocabulary entries, continuations prefixed with {@code ##};
 * a word that cannot be covered, or is longer than {@code max_input_chars_per_word}, becomes
 * {@code [UNK]}. The post-processor adds {@code [CLS] … [SEP]} and, for pairs (cross-encoders),
 * token type ids; {@link #encodePair(String, String, int)} truncates as Hugging Face's
 * LongestFirst strategy does. Thread-safe once built.
 */
public final class WordPiece implements Tokenizer {

    /** Ids and token type ids (segment ids: 0 for the first sequence, 1 for the second). */
    public record Encoding(int[] ids, int[] typeIds) {
        /** All ones: nothing is padded. */
        public int[] attentionMask() {
            int[] m = new int[ids.length];
            java.util.Arrays.fill(m, 1);
            return m;
        }
    }

    /** BERT's limit on sequence length (position embeddings). */
    public static final int BERT_MAX_LENGTH = 512;

    private final String[] pieces;
    private final Map<String, Integer> ids;
    private final Map<String, Integer> modelVocab;
    private final boolean[] special;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;
    private final SpecialTokens addedTokens;
    private final SpecialTokens normalizedAddedTokens;
    private final UnaryOperator<String> normalizer;
    private final WordSplitter preTokenizer;
    private final WordPieceTemplate template;
    private final boolean decoderCleanup;
    private final String decoderPrefix;
    private final int maxLength;
    private final int clsId, sepId;

    /** Splits normalized text into words. */
    private interface WordSplitter {
        void split(String text, Consumer<String> words);
    }

    private WordPiece(Map<String, Integer> vocab, List<SpecialTokens.Entry> added, List<SpecialTokens.Entry> normalizedAdded,
                      String unk, String prefix,
                      int maxInputCharsPerWord, UnaryOperator<String> normalizer, WordSplitter preTokenizer,
                      WordPieceTemplate template, boolean decoderCleanup, String decoderPrefix, int maxLength) {
        List<SpecialTokens.Entry> allAdded = new ArrayList<>(added);
        allAdded.addAll(normalizedAdded);
        int maxId = -1;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        for (SpecialTokens.Entry e : allAdded) maxId = Math.max(maxId, e.id());
        this.pieces = new String[maxId + 1];
        vocab.forEach((p, id) -> pieces[id] = p);
        this.special = new boolean[pieces.length];
        for (SpecialTokens.Entry e : allAdded) {
            pieces[e.id()] = e.content();
            special[e.id()] = e.special();
        }
        this.modelVocab = vocab;
        this.ids = new HashMap<>(vocab);
        for (SpecialTokens.Entry e : allAdded) ids.putIfAbsent(e.content(), e.id());
        Integer u = vocab.get(unk);
        if (u == null) throw new IllegalArgumentException("WordPiece: unknown token '" + unk + "' is not in the vocabulary");
        this.unkId = u;
        this.prefix = prefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        this.addedTokens = new SpecialTokens(added);
        // Like Hugging Face, a normalized added token is itself normalized before it is looked for.
        List<SpecialTokens.Entry> normalizedForms = new ArrayList<>();
        for (SpecialTokens.Entry e : normalizedAdded) {
            String form = normalizer.apply(e.content());
            if (!form.isEmpty()) normalizedForms.add(new SpecialTokens.Entry(form, e.id(), e.special(), e.lstrip(), e.rstrip(), e.singleWord()));
        }
        this.normalizedAddedTokens = new SpecialTokens(normalizedForms);
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.template = template;
        this.decoderCleanup = decoderCleanup;
        this.decoderPrefix = decoderPrefix;
        this.maxLength = maxLength;
        this.clsId = ids.getOrDefault("[CLS]", -1);
        this.sepId = ids.getOrDefault("[SEP]", -1);
    }

    /** Reads a Hugging Face tokenizer.json whose model is WordPiece. */
    public static WordPiece fromTokenizerJson(JsonNode root) {
        JsonNode model = root.path("model");
        if (!model.path("type").asText().equals("WordPiece")) {
            throw new IllegalArgumentException("tokenizer.json: model.type is '" + model.path("type").asText() + "', expected WordPiece");
        }
        if (!model.path("vocab").isObject()) throw new IllegalArgumentException("tokenizer.json: model.vocab must be an object of piece → id");
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        // Added tokens marked normalized are looked for in the normalized text, the others in the raw text.
        List<SpecialTokens.Entry> added = new ArrayList<>(), normalizedAdded = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            boolean isSpecial = t.path("special").asBoolean();
            SpecialTokens.Entry e = new SpecialTokens.Entry(t.path("content").asText(), t.path("id").asInt(), isSpecial,
                    t.path("lstrip").asBoolean(), t.path("rstrip").asBoolean(), t.path("single_word").asBoolean());
            (t.path("normalized").asBoolean(!isSpecial) ? normalizedAdded : added).add(e);
        }
        JsonNode decoder = root.path("decoder");
        boolean cleanup = true;
        String decoderPrefix = model.path("continuing_subword_prefix").asText("##");
        if (!decoder.isNull() && !decoder.isMissingNode()) {
            if (!decoder.path("type").asText().equals("WordPiece")) {
                throw new IllegalArgumentException("tokenizer.json: decoder type '" + decoder.path("type").asText() + "' (expected WordPiece)");
            }
            cleanup = decoder.path("cleanup").asBoolean(true);
            decoderPrefix = decoder.path("prefix").asText("##");
        }
        JsonNode trunc = root.path("truncation");
        int maxLength = trunc.isObject() ? trunc.path("max_length").asInt(BERT_MAX_LENGTH) : BERT_MAX_LENGTH;
        return new WordPiece(vocab, added, normalizedAdded, model.path("unk_token").asText("[UNK]"),
                model.path("continuing_subword_prefix").asText("##"),
                model.path("max_input_chars_per_word").asInt(100),
                normalizer(root.path("normalizer")), preTokenizer(root.path("pre_tokenizer")),
                WordPieceTemplate.fromJson(root.path("post_processor"), vocab), cleanup, decoderPrefix, maxLength);
    }

    /**
     * Reads a BERT {@code vocab.txt} (one piece per line, id = line number) with BERT's defaults:
     * {@link BertNormalizer#bert}, [CLS]/[SEP] template, [UNK], 100 characters per word, 512 tokens.
     */
    public static WordPiece fromVocabTxt(Path vocabFile, boolean lowercase) {
        List<String> lines;
        try {
            lines = Files.readAllLines(vocabFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read WordPiece vocabulary " + vocabFile, e);
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String piece = lines.get(i);
            if (piece.endsWith("\r")) piece = piece.substring(0, piece.length() - 1);
            if (piece.isEmpty() && i == lines.size() - 1) break;
            if (vocab.putIfAbsent(piece, i) != null) {
                throw new IllegalArgumentException(vocabFile + " line " + (i + 1) + ": piece '" + piece + "' appears twice");
            }
        }
        List<SpecialTokens.Entry> added = new ArrayList<>();
        for (String s : new String[]{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
            Integer id = vocab.get(s);
            if (id != null) added.add(SpecialTokens.Entry.special(s, id));
        }
        Integer cls = vocab.get("[CLS]"), sep = vocab.get("[SEP]");
        if (cls == null || sep == null) throw new IllegalArgumentException(vocabFile + ": a BERT vocabulary needs [CLS] and [SEP]");
        BertNormalizer n = BertNormalizer.bert(lowercase);
        return new WordPiece(vocab, added, List.of(), "[UNK]", "##", 100, n::normalize, BertPreTokenizer::split,
                WordPieceTemplate.bert(cls, sep), true, "##", BERT_MAX_LENGTH);
    }

    /**
     * Reads GGUF metadata of a BERT-family model ({@code tokenizer.ggml.model = "bert"}). llama.cpp's
     * converter stores the vocabulary in "phantom space" form: a word-initial piece gets a
     * leading U+2581, a {@code ##} continuation loses its prefix, bracketed specials stay as
     * they are. This undoes that and applies BERT's uncased rules (llama.cpp always lowercases).
     */
    public static WordPiece fromGgufMetadata(Map<String, Object> kv) {
        Object model = kv.get("tokenizer.ggml.model");
        if (!"bert".equals(model)) {
            throw new IllegalArgumentException("GGUF tokenizer.ggml.model: expected \"bert\" (WordPiece), found " + model);
        }
        Object tokensValue = kv.get("tokenizer.ggml.tokens");
        String[] tokens;
        if (tokensValue instanceof String[] a) tokens = a;
        else if (tokensValue instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) tokens = l.toArray(String[]::new);
        else throw new IllegalArgumentException("GGUF tokenizer.ggml.tokens: expected an array of strings, found " + tokensValue);
        int[] types = kv.get("tokenizer.ggml.token_type") instanceof int[] t ? t : null;
        if (types != null && types.length != tokens.length) {
            throw new IllegalArgumentException("GGUF tokenizer.ggml.token_type: expected " + tokens.length + " entries, found " + types.length);
        }
        Map<String, Integer> vocab = new HashMap<>(tokens.length * 2);
        for (int i = 0; i < tokens.length; i++) {
            // Control tokens (newer converters) and bracketed ones (older converters) are stored as they are.
            String t = tokens[i];
            String piece = types != null && types[i] == 3 ? t
                    : t.startsWith("\u2581") ? t.substring(1)
                    : t.length() >= 2 && t.startsWith("[") && t.endsWith("]") ? t : "##" + t;
            vocab.putIfAbsent(piece, i);
        }
        int cls = ggufId(kv, "tokenizer.ggml.cls_token_id", vocab.getOrDefault("[CLS]", -1), tokens.length);
        int sep = ggufId(kv, "tokenizer.ggml.seperator_token_id", vocab.getOrDefault("[SEP]", -1), tokens.length);
        int unk = ggufId(kv, "tokenizer.ggml.unknown_token_id", vocab.getOrDefault("[UNK]", -1), tokens.length);
        if (cls < 0 || sep < 0 || unk < 0) {
            throw new IllegalArgumentException("GGUF BERT vocabulary needs [CLS], [SEP] and [UNK] (cls_token_id, seperator_token_id, unknown_token_id)");
        }
        List<SpecialTokens.Entry> added = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            boolean control = types != null ? types[i] == 3 || types[i] == 2 : tokens[i].startsWith("[") && tokens[i].endsWith("]") && tokens[i].length() > 2;
            if (control || i == cls || i == sep || i == unk) added.add(SpecialTokens.Entry.special(tokens[i], i));
        }
        BertNormalizer n = BertNormalizer.bert(true);
        return new WordPiece(vocab, added, List.of(), tokens[unk].startsWith("\u2581") ? tokens[unk].substring(1) : tokens[unk],
                "##", 100, n::normalize, BertPreTokenizer::split, WordPieceTemplate.bert(cls, sep), true, "##", BERT_MAX_LENGTH);
    }

    private static int ggufId(Map<String, Object> kv, String key, int dflt, int n) {
        Object o = kv.get(key);
        if (o == null) return dflt;
        if (!(o instanceof Number num)) throw new IllegalArgumentException("GGUF " + key + ": expected an integer, found " + o);
        long v = num.longValue();
        if (v < 0 || v >= n) throw new IllegalArgumentException("GGUF " + key + " = " + v + " is outside the vocabulary [0, " + n + ")");
        return (int) v;
    }

    private static UnaryOperator<String> normalizer(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return s -> s;
        if (n.path("type").asText().equals("BertNormalizer")) {
            boolean lowercase = n.path("lowercase").asBoolean(true);
            JsonNode strip = n.path("strip_accents");
            BertNormalizer b = new BertNormalizer(n.path("clean_text").asBoolean(true), n.path("handle_chinese_chars").asBoolean(true),
                    strip.isBoolean() ? strip.asBoolean() : lowercase, lowercase);
            return b::normalize;
        }
        UnaryOperator<String> other = TokenizerJsonBpe.normalizer(n);
        return other == null ? s -> s : other;
    }

    private static WordSplitter preTokenizer(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return (text, words) -> words.accept(text);
        String type = n.path("type").asText();
        return switch (type) {
            case "BertPreTokenizer" -> BertPreTokenizer::split;
            case "WhitespaceSplit" -> BertPreTokenizer::splitOnWhitespace;
            default -> throw new IllegalArgumentException("tokenizer.json: pre_tokenizer type '" + type
                    + "' (expected BertPreTokenizer or WhitespaceSplit for WordPiece)");
        };
    }

    // ---- encoding ----------------------------------------------------------------------------

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) {
        int[] a = tokens(text, parseSpecial);
        return addSpecialTokens ? template.apply(a, null, true).ids() : a;
    }

    /** Encodes with special tokens, truncated to {@code maxLength} ids (special tokens included). */
    public int[] encode(String text, int maxLength) {
        int room = maxLength - template.added(false);
        if (room < 0) throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room next to " + template.added(false) + " special tokens");
        int[] a = tokens(text, true);
        if (a.length > room) a = java.util.Arrays.copyOf(a, room);
        return template.apply(a, null, true).ids();
    }

    /** A pair for a cross-encoder: {@code [CLS] a [SEP] b [SEP]} with type ids, not truncated. */
    public Encoding encodePair(String a, String b) {
        return template.apply(tokens(a, true), tokens(b, true), true);
    }

    /** How a pair is cut down to a length limit (Hugging Face's truncation strategies). */
    public enum Truncation {
        /** Take tokens from the end of the longer sequence; when both are long each keeps about half. */
        LONGEST_FIRST,
        /** Cut only the first sequence (e.g. keep a passage whole). */
        ONLY_FIRST,
        /** Cut only the second sequence (e.g. keep the query whole, cut the passage). */
        ONLY_SECOND
    }

    /** A pair truncated to at most {@code maxLength} ids, special tokens included, {@link Truncation#LONGEST_FIRST}. */
    public Encoding encodePair(String a, String b, int maxLength) {
        return encodePair(a, b, maxLength, Truncation.LONGEST_FIRST);
    }

    /**
     * A pair truncated to at most {@code maxLength} ids, special tokens included. Tokens are
     * removed from the end of a sequence. With ONLY_FIRST / ONLY_SECOND, a sequence too short
     * to give up enough tokens is an error, as in Hugging Face.
     */
    public Encoding encodePair(String a, String b, int maxLength, Truncation strategy) {
        int room = maxLength - template.added(true);
        if (room < 0) throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room next to " + template.added(true) + " special tokens");
        int[] x = tokens(a, true), y = tokens(b, true);
        int excess = x.length + y.length - room;
        if (excess > 0) {
            switch (strategy) {
                case LONGEST_FIRST -> {
                    int n1 = x.length, n2 = y.length;
                    boolean swap = n1 > n2;
                    if (swap) { int t = n1; n1 = n2; n2 = t; }
                    n2 = n1 > room ? n1 : Math.max(n1, room - n1);
                    if (n1 + n2 > room) {
                        n1 = room / 2;
                        n2 = n1 + room % 2;
                    }
                    if (swap) { int t = n1; n1 = n2; n2 = t; }
                    x = java.util.Arrays.copyOf(x, Math.min(x.length, n1));
                    y = java.util.Arrays.copyOf(y, Math.min(y.length, n2));
                }
                case ONLY_FIRST -> x = cut(x, excess, "first", maxLength);
                case ONLY_SECOND -> y = cut(y, excess, "second", maxLength);
            }
        }
        return template.apply(x, y, true);
    }

    private static int[] cut(int[] seq, int excess, String which, int maxLength) {
        if (seq.length <= excess) {
            throw new IllegalArgumentException("the " + which + " sequence has " + seq.length + " tokens, too few to remove the "
                    + excess + " that maxLength " + maxLength + " requires");
        }
        return java.util.Arrays.copyOf(seq, seq.length - excess);
    }

    /** The length limit from the tokenizer.json's truncation settings, else {@value #BERT_MAX_LENGTH}. */
    public int maxLength() {
        return maxLength;
    }

    private int[] tokens(String text, boolean parseSpecial) {
        SentencePieceBpe.IdList out = new SentencePieceBpe.IdList();
        if (text.isEmpty()) return out.toArray();
        addedTokens.split(text, 0, text.length(), parseSpecial, new SpecialTokens.Sink() {
            @Override
            public void text(int start, int end) {
                String normalized = normalizer.apply(text.substring(start, end));
                if (normalizedAddedTokens.isEmpty()) {
                    preTokenizer.split(normalized, w -> encodeWord(w, out));
                    return;
                }
                normalizedAddedTokens.split(normalized, 0, normalized.length(), parseSpecial, new SpecialTokens.Sink() {
                    @Override
                    public void text(int s, int e) {
                        preTokenizer.split(normalized.substring(s, e), w -> encodeWord(w, out));
                    }

                    @Override
                    public void token(int id) {
                        out.accept(id);
                    }
                });
            }

            @Override
            public void token(int id) {
                out.accept(id);
            }
        });
        return out.toArray();
    }

    /** Greedy longest-match-first over one word. */
    private void encodeWord(String word, IntConsumer out) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.accept(unkId);
            return;
        }
        SentencePieceBpe.IdList found = new SentencePieceBpe.IdList();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            int match = -1;
            while (end > start) {
                String sub = word.substring(start, end);
                Integer id = modelVocab.get(start > 0 ? prefix + sub : sub);
                if (id != null) {
                    match = id;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (match < 0) {
                out.accept(unkId);
                return;
            }
            found.accept(match);
            start = end;
        }
        for (int i = 0; i < found.size(); i++) out.accept(found.get(i));
    }

    // ---- decoding ----------------------------------------------------------------------------

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder b = new StringBuilder();
        int emitted = 0;
        for (int id : ids) {
            checkId(id);
            if (skipSpecial && special[id]) continue;
            b.append(tokenText(id, emitted++));
        }
        return b.toString();
    }

    /** How the WordPiece decoder writes the {@code index}-th token: ## joins, others get a space. */
    private String tokenText(int id, int index) {
        String t = pieces[id] == null ? "" : pieces[id];
        if (index > 0) t = t.startsWith(decoderPrefix) ? t.substring(decoderPrefix.length()) : " " + t;
        return decoderCleanup ? cleanup(t) : t;
    }

    /** Hugging Face's clean_up_tokenization, applied per token as its WordPiece decoder does. */
    static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
                .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return streamingDecoder(false);
    }

    /** Streams the same text as {@link #decode}: each token's text depends only on it and whether it is first. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        return new StreamingDecoder() {
            private int emitted;

            @Override
            public String next(int id) {
                checkId(id);
                if (skipSpecial && special[id]) return "";
                return tokenText(id, emitted++);
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + pieces.length + ")");
        }
    }

    // ---- vocabulary --------------------------------------------------------------------------

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    @Override
    public int id(String piece) {
        return ids.getOrDefault(piece, -1);
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    /** [CLS], which BERT puts first. */
    @Override
    public int bosId() {
        return clsId;
    }

    /** [SEP], which ends each sequence. */
    @Override
    public int eosId() {
        return sepId;
    }

    /** The id of [UNK]. */
    public int unkId() {
        return unkId;
    }
}

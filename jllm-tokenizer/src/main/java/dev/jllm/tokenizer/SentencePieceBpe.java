package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * SentencePiece BPE (Llama 2, Mistral, Gemma): text is split around special/added tokens, spaces
 * become U+2581 ("▁"), and each remaining fragment is merged from single characters into
 * vocabulary pieces; characters no piece covers fall back to {@code <0xXX>} byte tokens.
 *
 * <p>Two sources, each encoded the way its reference does it:
 * <ul>
 *   <li>GGUF metadata ({@code tokenizer.ggml.model = "llama"}): merges are driven by piece
 *       scores (sentencepiece / llama.cpp). With {@code add_space_prefix} a space is put in front
 *       of the text and of every fragment that follows a special token, as llama.cpp does.</li>
 *   <li>Hugging Face tokenizer.json (model BPE with {@code byte_fallback}): merges follow the
 *       merges list by rank; the normalizer (Prepend/Replace), pre-tokenizer (Metaspace, Split)
 *       and decoder chain of the file are applied as written.</li>
 * </ul>
 * Thread-safe once built.
 */
public final class SentencePieceBpe implements Tokenizer {

    /** GGUF {@code tokenizer.ggml.token_type} values. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final String[] pieces;
    private final Map<String, Integer> ids;
    private final boolean[] special;
    private final int bosId, eosId;
    private final SpecialTokens addedTokens;
    private final FragmentEncoder fragmentEncoder;
    private final int[] prefixIds, suffixIds;
    private final SentencePieceBpeDecoder decoder;

    /** Encodes one piece of text between special tokens. */
    interface FragmentEncoder {
        /**
         * @param atTextStart       the fragment starts at offset 0 of the input
         * @param afterSpecialOrStart no text fragment came before it (start of input or right after a special token)
         */
        void encode(String fragment, boolean atTextStart, boolean afterSpecialOrStart, IntConsumer out);
    }

    SentencePieceBpe(String[] pieces, boolean[] special, int bosId, int eosId, SpecialTokens addedTokens,
                     FragmentEncoder fragmentEncoder, int[] prefixIds, int[] suffixIds, SentencePieceBpeDecoder decoder) {
        this.pieces = pieces;
        this.special = special;
        this.bosId = bosId;
        this.eosId = eosId;
        this.addedTokens = addedTokens;
        this.fragmentEncoder = fragmentEncoder;
        this.prefixIds = prefixIds;
        this.suffixIds = suffixIds;
        this.decoder = decoder;
        this.ids = new HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) if (pieces[i] != null) ids.putIfAbsent(pieces[i], i);
    }

    /** Reads a Hugging Face tokenizer.json whose model is BPE over SentencePiece pieces. */
    public static SentencePieceBpe fromTokenizerJson(JsonNode root) {
        return SentencePieceBpeJson.read(root, null);
    }

    /**
     * As {@link #fromTokenizerJson(JsonNode)}, taking BOS/EOS from a parsed
     * {@code tokenizer_config.json} ({@code bos_token} / {@code eos_token}, a string or an
     * object with {@code content}); null or absent entries fall back to the tokenizer.json.
     */
    public static SentencePieceBpe fromTokenizerJson(JsonNode root, JsonNode config) {
        return SentencePieceBpeJson.read(root, config);
    }

    /**
     * Reads GGUF tokenizer metadata ({@code tokenizer.ggml.*}; integer scalars as {@code Long},
     * arrays as {@code String[]}, {@code float[]}, {@code int[]}).
     */
    public static SentencePieceBpe fromGgufMetadata(Map<String, Object> kv) {
        return SentencePieceBpeGguf.read(kv);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) {
        IdList out = new IdList();
        if (addSpecialTokens) for (int id : prefixIds) out.accept(id);
        if (!text.isEmpty()) {
            boolean[] afterSpecial = {true};
            addedTokens.split(text, 0, text.length(), parseSpecial, new SpecialTokens.Sink() {
                @Override
                public void text(int start, int end) {
                    fragmentEncoder.encode(text.substring(start, end), start == 0, afterSpecial[0], out);
                    afterSpecial[0] = false;
                }

                @Override
                public void token(int id) {
                    out.accept(id);
                    afterSpecial[0] = true;
                }
            });
        }
        if (addSpecialTokens) for (int id : suffixIds) out.accept(id);
        return out.toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkId(id);
            if (skipSpecial && special[id]) continue;
            tokens.add(pieces[id] == null ? "" : pieces[id]);
        }
        return decoder.decode(tokens);
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return streamingDecoder(false);
    }

    /** Streaming decoder; with {@code skipSpecial} control tokens print nothing. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) {
        int[] spacesToStrip = {decoder.leadingSpacesStripped()};
        boolean[] first = {true};
        return new Utf8StreamDecoder(id -> {
            checkId(id);
            if (skipSpecial && special[id]) return new byte[0];
            byte[] b = decoder.bytesOfPiece(pieces[id] == null ? "" : pieces[id], first[0]);
            first[0] = false;
            int cut = 0;
            while (spacesToStrip[0] > 0 && cut < b.length && b[cut] == ' ') {
                cut++;
                spacesToStrip[0]--;
            }
            if (b.length > 0 && cut < b.length) spacesToStrip[0] = 0; // stripping applies only at the very start
            return cut == 0 ? b : Arrays.copyOfRange(b, cut, b.length);
        });
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + pieces.length + ")");
        }
    }

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

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    /** A growable int list that is also an IntConsumer. */
    static final class IdList implements IntConsumer {
        private int[] a = new int[32];
        private int n;

        @Override
        public void accept(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int get(int i) {
            return a[i];
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}

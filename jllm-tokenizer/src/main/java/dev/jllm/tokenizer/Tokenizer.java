package dev.jllm.tokenizer;

/**
 * Text to token ids and back. Implementations: byte-level BPE (GPT-2, Llama 3, Qwen,
 * DeepSeek), SentencePiece BPE (Llama 2, Mistral, Gemma) and WordPiece (BERT family).
 * Load one with {@link Tokenizers}.
 */
public interface Tokenizer {

    /** Encodes plain text: no BOS/EOS or other template tokens are added, special-token text is matched. */
    default int[] encode(String text) {
        return encode(text, false, true);
    }

    /**
     * @param addSpecialTokens add what the model's post-processor adds (BOS for Llama, [CLS]/[SEP] for BERT)
     * @param parseSpecial     match special tokens written in the text (e.g. "<|eot_id|>") instead of
     *                         tokenizing their characters
     */
    int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial);

    /** Decodes ids to text; special tokens are included as their text unless {@code skipSpecial}. */
    String decode(int[] ids, boolean skipSpecial);

    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** A decoder for streaming output that holds back incomplete UTF-8 sequences. */
    StreamingDecoder streamingDecoder();

    /** Number of ids (the highest id + 1). */
    int vocabSize();

    /** The vocabulary entry of {@code id} as stored (e.g. "Ġthe", "▁the", "##ing", "<0x0A>"). */
    String piece(int id);

    /** The id of a vocabulary entry, or -1. */
    int id(String piece);

    /** True for control/special tokens (BOS, EOS, chat markers). */
    boolean isSpecial(int id);

    /** Beginning-of-sequence id, or -1. */
    int bosId();

    /** End-of-sequence id, or -1. */
    int eosId();

    /** Streaming decode: feed ids one at a time, get back text that is complete so far. */
    interface StreamingDecoder {
        /** Text that became complete with this token (possibly empty). */
        String next(int id);

        /** Whatever is still held back, decoded leniently (invalid bytes become U+FFFD). */
        String flush();
    }
}

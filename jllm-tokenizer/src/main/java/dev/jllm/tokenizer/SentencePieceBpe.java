package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/** SentencePiece BPE tokenizer (Llama 2, Mistral, Gemma). Implementation in progress. */
public final class SentencePieceBpe implements Tokenizer {

    public static SentencePieceBpe fromTokenizerJson(JsonNode root) {
        throw new UnsupportedOperationException("SentencePieceBpe.fromTokenizerJson: being implemented");
    }

    public static SentencePieceBpe fromGgufMetadata(Map<String, Object> kv) {
        throw new UnsupportedOperationException("SentencePieceBpe.fromGgufMetadata: being implemented");
    }

    private SentencePieceBpe() {}

    @Override public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecial) { throw new UnsupportedOperationException(); }
    @Override public String decode(int[] ids, boolean skipSpecial) { throw new UnsupportedOperationException(); }
    @Override public StreamingDecoder streamingDecoder() { throw new UnsupportedOperationException(); }
    @Override public int vocabSize() { return 0; }
    @Override public String piece(int id) { return null; }
    @Override public int id(String piece) { return -1; }
    @Override public boolean isSpecial(int id) { return false; }
    @Override public int bosId() { return -1; }
    @Override public int eosId() { return -1; }
}

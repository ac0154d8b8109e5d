package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/** WordPiece tokenizer (BERT family). Implementation in progress. */
public final class WordPiece implements Tokenizer {

    public static WordPiece fromTokenizerJson(JsonNode root) {
        throw new UnsupportedOperationException("WordPiece.fromTokenizerJson: being implemented");
    }

    public static WordPiece fromVocabTxt(Path vocab, boolean lowercase) {
        throw new UnsupportedOperationException("WordPiece.fromVocabTxt: being implemented");
    }

    private WordPiece() {}

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

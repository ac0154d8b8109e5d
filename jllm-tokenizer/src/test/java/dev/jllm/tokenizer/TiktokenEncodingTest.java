package dev.jllm.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Special tokens, vocabulary access and rank-file errors of the tiktoken loader. */
class TiktokenEncodingTest {

    /** jtokkit refuses special tokens in encode(); the expectation is its ordinary segments plus the published ids. */
    @Test
    void specialTokensAreMatchedWhenParsingSpecial() throws Exception {
        ByteLevelBpe ours = TiktokenEncoding.fromClasspath("cl100k_base");
        Encoding jt = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
        String text = "hi<|endoftext|> <|fim_prefix|>x<|endofprompt|>";
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(jt.encodeOrdinary("hi").toArray()), IntStream.of(100257)),
                IntStream.concat(IntStream.of(jt.encodeOrdinary(" ").toArray()), IntStream.of(100258))).toArray();
        expected = IntStream.concat(IntStream.of(expected), IntStream.concat(IntStream.of(jt.encodeOrdinary("x").toArray()),
                IntStream.of(100276))).toArray();
        assertArrayEquals(expected, ours.encode(text));
        assertArrayEquals(jt.encodeOrdinary(text).toArray(), ours.encode(text, false, false));
        assertEquals(text, ours.decode(ours.encode(text)));
        assertEquals("hi x", ours.decode(ours.encode(text), true));
        assertTrue(ours.isSpecial(100257));
        assertEquals(100257, ours.eosId());
        assertEquals(100277, ours.vocabSize());
        assertEquals("Ġthe", ours.piece(279));
        assertEquals(279, ours.id("Ġthe"));
    }

    @Test
    void o200kSpecials() throws Exception {
        ByteLevelBpe ours = TiktokenEncoding.fromClasspath("o200k_base");
        assertArrayEquals(new int[]{199999}, ours.encode("<|endoftext|>"));
        assertEquals(200019, ours.vocabSize());
    }

    @Test
    void badRankFilesAreReported() {
        IOException e = assertThrows(IOException.class, () -> Tokenizers.fromTiktoken(
                new ByteArrayInputStream("IQ== 0\nIg==\n".getBytes(StandardCharsets.US_ASCII)), PreTokenizer.GPT2, Map.of()));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        e = assertThrows(IOException.class, () -> Tokenizers.fromTiktoken(
                new ByteArrayInputStream("IQ== 0\nIg== 0\n".getBytes(StandardCharsets.US_ASCII)), PreTokenizer.GPT2, Map.of()));
        assertTrue(e.getMessage().contains("rank 0 appears twice"), e.getMessage());
        e = assertThrows(IOException.class, () -> Tokenizers.fromTiktoken(
                new ByteArrayInputStream("!!!! 0\n".getBytes(StandardCharsets.US_ASCII)), PreTokenizer.GPT2, Map.of()));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TiktokenEncoding.named("nope"));
    }

    @Test
    void loneSurrogatesEncodeAsReplacementCharacter() throws Exception {
        ByteLevelBpe ours = TiktokenEncoding.fromClasspath("cl100k_base");
        assertArrayEquals(ours.encode("a\uFFFDb\uFFFD"), ours.encode("a\uD800b\uDC00"));
    }
}

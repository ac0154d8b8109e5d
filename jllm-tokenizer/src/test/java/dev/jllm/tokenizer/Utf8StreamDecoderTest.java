package dev.jllm.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Streaming UTF-8: characters split across tokens are held back until complete; the JDK decoder is the reference. */
class Utf8StreamDecoderTest {

    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    @Test
    void holdsBackSplitCharacters() {
        Utf8StreamDecoder d = new Utf8StreamDecoder(id -> new byte[0]);
        assertEquals("a", d.append(b('a', 0xE2)));      // '€' = E2 82 AC starts
        assertEquals(1, d.pendingBytes());
        assertEquals("", d.append(b(0x82)));
        assertEquals("€b", d.append(b(0xAC, 'b')));
        assertEquals("", d.append(b(0xF0, 0x9F)));       // 😀 = F0 9F 98 80
        assertEquals("", d.append(b(0x98)));
        assertEquals("😀", d.append(b(0x80)));
        assertEquals("", d.flush());
    }

    @Test
    void invalidBytesAreReplacedAtOnce() {
        Utf8StreamDecoder d = new Utf8StreamDecoder(id -> new byte[0]);
        assertEquals("\uFFFD", d.append(b(0xFF)));
        assertEquals(new String(b(0xE0, 0x80), StandardCharsets.UTF_8), d.append(b(0xE0, 0x80))); // overlong: never valid
        assertEquals(new String(b(0xED, 0xA0), StandardCharsets.UTF_8), d.append(b(0xED, 0xA0))); // surrogate range
        assertEquals("", d.append(b(0xC3)));
        assertEquals("\uFFFD", d.flush());                 // truncated at the end
    }

    /** Feeding every byte split of a mixed string gives the same text as decoding it whole. */
    @Test
    void everySplitPointGivesTheWholeText() {
        String text = "héllo €uro 😀 日本 \uD83D\uDC68\u200D\uD83D\uDC69 end";
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= all.length; cut++) {
            for (int cut2 = cut; cut2 <= all.length; cut2 += 3) {
                Utf8StreamDecoder d = new Utf8StreamDecoder(id -> new byte[0]);
                String s = d.append(java.util.Arrays.copyOfRange(all, 0, cut))
                        + d.append(java.util.Arrays.copyOfRange(all, cut, cut2))
                        + d.append(java.util.Arrays.copyOfRange(all, cut2, all.length)) + d.flush();
                assertEquals(text, s);
            }
        }
    }

    @Test
    void tokensThroughTheTokenizer() throws Exception {
        ByteLevelBpe tok = TiktokenEncoding.fromClasspath("cl100k_base");
        String text = "Emoji 👩🏽‍💻 and 日本語 and é\u0301";
        int[] ids = tok.encode(text);
        Tokenizer.StreamingDecoder d = tok.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = d.next(id);
            assertEquals(-1, piece.indexOf('\uFFFD'), "no replacement chars while streaming valid text");
            sb.append(piece);
        }
        assertEquals(text, sb.append(d.flush()).toString());
    }
}

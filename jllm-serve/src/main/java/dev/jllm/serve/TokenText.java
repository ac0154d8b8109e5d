package dev.jllm.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.engine.batch.TokenEvent;
import dev.jllm.engine.batch.TopLogprob;
import dev.jllm.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Log-probability objects in OpenAI's two shapes: chat ({@code {"content": [{token, logprob,
 * bytes, top_logprobs}]}}) and legacy completions ({@code tokens, token_logprobs, top_logprobs,
 * text_offset}). A token's text is its own decode; a token that is only part of a UTF-8
 * character decodes to U+FFFD, so {@code bytes} is then the bytes of that text, not the raw piece.
 */
final class TokenText {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private TokenText() {}

    static String of(Tokenizer tok, int id) {
        return tok.decode(new int[]{id}, false);
    }

    /** One entry of a chat {@code logprobs.content} array. */
    static ObjectNode chatEntry(Tokenizer tok, TokenEvent e) {
        ObjectNode o = entry(tok, e.tokenId(), e.logprob());
        ArrayNode top = o.putArray("top_logprobs");
        for (TopLogprob t : e.topLogprobs()) top.add(entry(tok, t.tokenId(), t.logprob()));
        return o;
    }

    private static ObjectNode entry(Tokenizer tok, int id, float logprob) {
        String text = of(tok, id);
        ObjectNode o = F.objectNode();
        o.put("token", text);
        o.put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return o;
    }

    /** Accumulates a legacy completions {@code logprobs} object. */
    static final class Legacy {
        private final ArrayNode tokens = F.arrayNode();
        private final ArrayNode tokenLogprobs = F.arrayNode();
        private final ArrayNode topLogprobs = F.arrayNode();
        private final ArrayNode textOffset = F.arrayNode();
        private int offset;

        Legacy(int startOffset) { this.offset = startOffset; }

        void add(Tokenizer tok, TokenEvent e) {
            String text = of(tok, e.tokenId());
            tokens.add(text);
            tokenLogprobs.add(e.logprob());
            ObjectNode top = F.objectNode();
            for (TopLogprob t : e.topLogprobs()) {
                String k = of(tok, t.tokenId());
                if (!top.has(k)) top.put(k, t.logprob()); // a dict: two ids with one text keep the likelier
            }
            topLogprobs.add(top);
            textOffset.add(offset);
            offset += text.length();
        }

        boolean isEmpty() { return tokens.isEmpty(); }

        ObjectNode json() {
            ObjectNode o = F.objectNode();
            o.set("tokens", tokens);
            o.set("token_logprobs", tokenLogprobs);
            o.set("top_logprobs", topLogprobs);
            o.set("text_offset", textOffset);
            return o;
        }
    }
}

package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns SentencePiece pieces back into text with the Hugging Face decoder steps these models
 * use: Replace (U+2581 → space), ByteFallback ({@code <0xXX>} runs → UTF-8, an invalid run →
 * one U+FFFD per byte), Fuse, Strip (the space the encoder put in front) and Metaspace. A GGUF
 * vocabulary gets the chain its tokenizer.json conversion would have: Replace, ByteFallback,
 * Fuse and, with {@code add_space_prefix}, Strip of one leading space.
 */
final class SentencePieceBpeDecoder {

    /** One decoder step over the list of token strings. */
    private interface Step {
        List<String> apply(List<String> tokens);
    }

    private final List<Step> steps;
    private final List<String[]> perTokenReplacements = new ArrayList<>();
    private final boolean byteFallback;
    private final int leadingSpacesStripped;
    /** Metaspace decoder with a prepend scheme: every replacement char of the first token is dropped. */
    private String firstTokenDrops;

    private SentencePieceBpeDecoder(List<Step> steps, boolean byteFallback, int leadingSpacesStripped) {
        this.steps = steps;
        this.byteFallback = byteFallback;
        this.leadingSpacesStripped = leadingSpacesStripped;
    }

    /** The chain a GGUF SentencePiece vocabulary implies. */
    static SentencePieceBpeDecoder forGguf(boolean addSpacePrefix) {
        SentencePieceBpeDecoder d = new SentencePieceBpeDecoder(new ArrayList<>(), true, addSpacePrefix ? 1 : 0);
        d.addReplace("\u2581", " ");
        d.steps.add(SentencePieceBpeDecoder::byteFallback);
        d.steps.add(SentencePieceBpeDecoder::fuse);
        if (addSpacePrefix) d.steps.add(strip(' ', 1, 0));
        return d;
    }

    /** The chain of a tokenizer.json {@code decoder} (null: pieces joined as they are). */
    static SentencePieceBpeDecoder fromJson(JsonNode decoder) {
        List<JsonNode> flat = new ArrayList<>();
        flatten(decoder, flat);
        boolean hasByteFallback = false;
        int strip = 0;
        for (JsonNode n : flat) {
            String type = n.path("type").asText();
            if (type.equals("ByteFallback")) hasByteFallback = true;
            if (type.equals("Strip") && n.path("content").asText().equals(" ")) strip = n.path("start").asInt();
        }
        SentencePieceBpeDecoder d = new SentencePieceBpeDecoder(new ArrayList<>(), hasByteFallback, strip);
        for (JsonNode n : flat) d.add(n);
        if (flat.isEmpty()) d.steps.add(SentencePieceBpeDecoder::fuse);
        return d;
    }

    private static void flatten(JsonNode n, List<JsonNode> out) {
        if (n == null || n.isNull() || n.isMissingNode()) return;
        if (n.path("type").asText().equals("Sequence")) {
            for (JsonNode c : n.path("decoders")) flatten(c, out);
        } else {
            out.add(n);
        }
    }

    private static boolean prependsSpace(JsonNode metaspace) {
        if (metaspace.has("prepend_scheme")) return !metaspace.get("prepend_scheme").asText().equals("never");
        return metaspace.path("add_prefix_space").asBoolean(true);
    }

    private void add(JsonNode n) {
        String type = n.path("type").asText();
        switch (type) {
            case "Replace" -> {
                JsonNode pattern = n.path("pattern");
                if (!pattern.has("String")) {
                    throw new IllegalArgumentException("tokenizer.json: decoder Replace needs a String pattern, found " + pattern);
                }
                addReplace(pattern.get("String").asText(), n.path("content").asText());
            }
            case "ByteFallback" -> steps.add(SentencePieceBpeDecoder::byteFallback);
            case "Fuse" -> steps.add(SentencePieceBpeDecoder::fuse);
            case "Strip" -> {
                String content = n.path("content").asText();
                if (content.length() != 1) throw new IllegalArgumentException("tokenizer.json: decoder Strip content must be one character, found '" + content + "'");
                steps.add(strip(content.charAt(0), n.path("start").asInt(), n.path("stop").asInt()));
            }
            case "Metaspace" -> {
                String replacement = n.path("replacement").asText("\u2581");
                boolean prepend = prependsSpace(n);
                if (prepend) firstTokenDrops = replacement;
                perTokenReplacements.add(new String[]{replacement, " "});
                steps.add(tokens -> {
                    List<String> out = new ArrayList<>(tokens.size());
                    for (int i = 0; i < tokens.size(); i++) {
                        out.add(tokens.get(i).replace(replacement, i == 0 && prepend ? "" : " "));
                    }
                    return out;
                });
            }
            default -> throw new IllegalArgumentException("tokenizer.json: decoder type '" + type
                    + "' is not a SentencePiece decoder (expected Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)");
        }
    }

    private void addReplace(String from, String to) {
        perTokenReplacements.add(new String[]{from, to});
        steps.add(tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) out.add(t.replace(from, to));
            return out;
        });
    }

    /** Decodes pieces to text through the whole chain. */
    String decode(List<String> pieces) {
        List<String> tokens = pieces;
        for (Step s : steps) tokens = s.apply(tokens);
        return String.join("", tokens);
    }

    /** The byte value a {@code <0xXX>} piece stands for, or -1. */
    static int byteOfPiece(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static List<String> byteFallback(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        ByteBuffer run = ByteBuffer.allocate(tokens.size());
        for (String t : tokens) {
            int b = byteOfPiece(t);
            if (b >= 0) {
                run.put((byte) b);
                continue;
            }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    }

    private static void flushBytes(ByteBuffer run, List<String> out) {
        if (run.position() == 0) return;
        run.flip();
        int n = run.remaining();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(run).toString());
        } catch (CharacterCodingException e) {
            out.add("\uFFFD".repeat(n)); // Hugging Face replaces every byte of an invalid run
        }
        run.clear();
    }

    private static List<String> fuse(List<String> tokens) {
        return List.of(String.join("", tokens));
    }

    private static Step strip(char content, int start, int stop) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int a = 0, z = t.length();
                while (a < start && a < z && t.charAt(a) == content) a++;
                int cut = 0;
                while (cut < stop && z > a && t.charAt(z - 1) == content) {
                    z--;
                    cut++;
                }
                out.add(t.substring(a, z));
            }
            return out;
        };
    }

    /** Spaces removed from the very start of the output (for streaming). */
    int leadingSpacesStripped() {
        return leadingSpacesStripped;
    }

    /** The bytes one piece contributes on its own, for streaming decode; {@code first}: the first token decoded. */
    byte[] bytesOfPiece(String piece, boolean first) {
        if (byteFallback) {
            int b = byteOfPiece(piece);
            if (b >= 0) return new byte[]{(byte) b};
        }
        String t = first && firstTokenDrops != null ? piece.replace(firstTokenDrops, "") : piece;
        for (String[] r : perTokenReplacements) t = t.replace(r[0], r[1]);
        return t.getBytes(StandardCharsets.UTF_8);
    }
}

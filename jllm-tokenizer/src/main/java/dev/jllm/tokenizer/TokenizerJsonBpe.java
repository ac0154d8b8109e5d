package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face {@code tokenizer.json} whose model is a byte-level BPE (GPT-2, Llama 3,
 * Qwen2/3, DeepSeek-V3, …) into a {@link ByteLevelBpe}: vocab and merges, added tokens with their
 * flags, normalizer, pre-tokenizer, post-processor template.
 */
final class TokenizerJsonBpe {
    private TokenizerJsonBpe() {}

    /** True when the file describes a byte-level BPE (ByteLevel decoder or pre-tokenizer). */
    static boolean isByteLevel(JsonNode root) {
        return "BPE".equals(root.path("model").path("type").asText())
                && (mentionsByteLevel(root.path("decoder")) || mentionsByteLevel(root.path("pre_tokenizer")));
    }

    private static boolean mentionsByteLevel(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return false;
        if ("ByteLevel".equals(n.path("type").asText())) return true;
        for (String list : new String[]{"decoders", "pretokenizers"}) {
            for (JsonNode c : n.path(list)) if (mentionsByteLevel(c)) return true;
        }
        return false;
    }

    /**
     * @param config the sibling {@code tokenizer_config.json} (bos/eos names), or null
     */
    static ByteLevelBpe read(JsonNode root, JsonNode config) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("tokenizer.json: model.type is '" + model.path("type").asText()
                    + "', expected 'BPE' for a byte-level BPE");
        }
        for (String field : new String[]{"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(field).asText("").isEmpty()) {
                throw new IllegalArgumentException("tokenizer.json: model." + field + " = '" + model.path(field).asText()
                        + "' is not used by byte-level BPE models; expected null or \"\"");
            }
        }
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject()) throw new IllegalArgumentException("tokenizer.json: model.vocab is missing or not an object");
        int size = 0;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            size = Math.max(size, e.getValue().asInt() + 1);
        }
        String[] vocab = new String[size];
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = e.getValue().asInt(-1);
            if (id < 0) throw new IllegalArgumentException("tokenizer.json: vocab entry '" + e.getKey() + "' has id " + e.getValue());
            vocab[id] = e.getKey();
        }
        List<String[]> merges = new ArrayList<>();
        int index = 0;
        for (JsonNode m : model.path("merges")) {
            if (m.isArray() && m.size() == 2) {
                merges.add(new String[]{m.get(0).asText(), m.get(1).asText()});
            } else if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ', 1);
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
                    throw new IllegalArgumentException("tokenizer.json: merge " + index + " is '" + s + "', expected 'left right'");
                }
                merges.add(new String[]{s.substring(0, sp), s.substring(sp + 1)});
            } else {
                throw new IllegalArgumentException("tokenizer.json: merge " + index + " is " + m + ", expected \"a b\" or [\"a\", \"b\"]");
            }
            index++;
        }
        ByteLevelBpe.Builder b = ByteLevelBpe.builder().vocab(vocab).merges(merges)
                .ignoreMerges(model.path("ignore_merges").asBoolean(false));

        UnaryOperator<String> normalizer = normalizer(root.path("normalizer"));
        b.normalizer(normalizer);
        for (JsonNode t : root.path("added_tokens")) {
            SpecialTokens.Entry e = new SpecialTokens.Entry(t.path("content").asText(), t.path("id").asInt(),
                    t.path("special").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false));
            b.addedToken(e, t.path("normalized").asBoolean(!e.special()));
        }
        PreTokenizerSpec pre = new PreTokenizerSpec();
        b.preTokenizer(pre.parse(root.path("pre_tokenizer")));
        b.addPrefixSpace(pre.addPrefixSpace);

        List<Integer> prefix = new ArrayList<>(), suffix = new ArrayList<>();
        postProcessor(root.path("post_processor"), prefix, suffix);
        b.template(prefix.stream().mapToInt(Integer::intValue).toArray(), suffix.stream().mapToInt(Integer::intValue).toArray());

        int bos = tokenId(root, config, "bos_token");
        if (bos < 0 && !prefix.isEmpty()) bos = prefix.getFirst();
        if (bos < 0 && config == null) {
            for (String name : new String[]{"<|begin_of_text|>", "<｜begin▁of▁sentence｜>"}) {
                bos = addedId(root, name);
                if (bos >= 0) break;
            }
        }
        int eos = tokenId(root, config, "eos_token");
        if (eos < 0 && config == null) {
            for (String name : new String[]{"<|end_of_text|>", "<|endoftext|>", "<｜end▁of▁sentence｜>", "</s>"}) {
                eos = addedId(root, name);
                if (eos >= 0) break;
            }
        }
        return b.bos(bos).eos(eos).build();
    }

    private static int tokenId(JsonNode root, JsonNode config, String field) {
        if (config == null) return -1;
        JsonNode t = config.path(field);
        String name = t.isObject() ? t.path("content").asText(null) : t.isTextual() ? t.asText() : null;
        if (name == null) return -1;
        int id = addedId(root, name);
        if (id < 0 && root.path("model").path("vocab").has(name)) id = root.path("model").path("vocab").get(name).asInt();
        return id;
    }

    private static int addedId(JsonNode root, String content) {
        for (JsonNode t : root.path("added_tokens")) if (content.equals(t.path("content").asText())) return t.path("id").asInt();
        return -1;
    }

    // ---- normalizers ------------------------------------------------------------------------

    static UnaryOperator<String> normalizer(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return null;
        String type = n.path("type").asText();
        return switch (type) {
            case "NFC" -> unicode(Normalizer.Form.NFC);
            case "NFD" -> unicode(Normalizer.Form.NFD);
            case "NFKC" -> unicode(Normalizer.Form.NFKC);
            case "NFKD" -> unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(java.util.Locale.ROOT);
            case "Strip" -> {
                boolean left = n.path("strip_left").asBoolean(true), right = n.path("strip_right").asBoolean(true);
                yield s -> {
                    int a = 0, z = s.length();
                    while (left && a < z && PreTokenizerCharClass.isWhiteSpaceProperty(s.charAt(a))) a++;
                    while (right && z > a && PreTokenizerCharClass.isWhiteSpaceProperty(s.charAt(z - 1))) z--;
                    return s.substring(a, z);
                };
            }
            case "Prepend" -> {
                String p = n.path("prepend").asText();
                yield s -> s.isEmpty() ? s : p + s;
            }
            case "Replace" -> {
                Pattern p = pattern(n.path("pattern"), "normalizer Replace");
                String content = java.util.regex.Matcher.quoteReplacement(n.path("content").asText());
                yield s -> p.matcher(s).replaceAll(content);
            }
            case "Sequence" -> {
                List<UnaryOperator<String>> parts = new ArrayList<>();
                for (JsonNode c : n.path("normalizers")) {
                    UnaryOperator<String> f = normalizer(c);
                    if (f != null) parts.add(f);
                }
                if (parts.isEmpty()) yield null;
                yield s -> {
                    for (UnaryOperator<String> f : parts) s = f.apply(s);
                    return s;
                };
            }
            default -> throw new IllegalArgumentException("tokenizer.json: normalizer type '" + type
                    + "' is not handled for byte-level BPE (handled: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence)");
        };
    }

    private static UnaryOperator<String> unicode(Normalizer.Form form) {
        return s -> Normalizer.isNormalized(s, form) ? s : Normalizer.normalize(s, form);
    }

    static Pattern pattern(JsonNode p, String where) {
        if (p.has("String")) return Pattern.compile(Pattern.quote(p.get("String").asText()));
        if (p.has("Regex")) return PreTokenizer.compile(p.get("Regex").asText());
        throw new IllegalArgumentException("tokenizer.json: " + where + " pattern " + p + " has neither String nor Regex");
    }

    // ---- pre-tokenizers ---------------------------------------------------------------------

    /** Builds the pre-tokenizer; remembers ByteLevel's add_prefix_space, which acts on whole segments. */
    private static final class PreTokenizerSpec {
        boolean addPrefixSpace;

        PreTokenizer parse(JsonNode n) {
            if (n == null || n.isMissingNode() || n.isNull()) return (text, start, end, sink) -> sink.accept(start, end);
            String type = n.path("type").asText();
            switch (type) {
                case "ByteLevel" -> {
                    addPrefixSpace |= n.path("add_prefix_space").asBoolean(false);
                    if (n.path("use_regex").asBoolean(true)) return PreTokenizer.forPattern(PreTokenizer.GPT2);
                    return (text, start, end, sink) -> sink.accept(start, end);
                }
                case "Split" -> {
                    JsonNode p = n.path("pattern");
                    PreTokenizerRegex.Behavior behavior = PreTokenizerRegex.Behavior.fromJson(n.path("behavior").asText());
                    boolean invert = n.path("invert").asBoolean(false);
                    if (p.has("Regex") && behavior == PreTokenizerRegex.Behavior.ISOLATED && !invert) {
                        return PreTokenizer.forPattern(p.get("Regex").asText());
                    }
                    return new PreTokenizerRegex(pattern(p, "Split"), behavior, invert);
                }
                case "Digits" -> {
                    return new PreTokenizerDigits(n.path("individual_digits").asBoolean(false));
                }
                case "Sequence" -> {
                    List<PreTokenizer> stages = new ArrayList<>();
                    for (JsonNode c : n.path("pretokenizers")) {
                        PreTokenizer p = parse(c);
                        if (!"ByteLevel".equals(c.path("type").asText()) || c.path("use_regex").asBoolean(true)) stages.add(p);
                    }
                    return stages.size() == 1 ? stages.getFirst() : new PreTokenizerSequence(stages);
                }
                default -> throw new IllegalArgumentException("tokenizer.json: pre_tokenizer type '" + type
                        + "' is not handled for byte-level BPE (handled: ByteLevel, Split, Digits, Sequence)");
            }
        }
    }

    // ---- post-processors --------------------------------------------------------------------

    private static void postProcessor(JsonNode n, List<Integer> prefix, List<Integer> suffix) {
        if (n == null || n.isMissingNode() || n.isNull()) return;
        String type = n.path("type").asText();
        switch (type) {
            case "ByteLevel" -> { }
            case "Sequence" -> {
                for (JsonNode c : n.path("processors")) postProcessor(c, prefix, suffix);
            }
            case "TemplateProcessing" -> {
                JsonNode specials = n.path("special_tokens");
                boolean seenSequence = false;
                for (JsonNode item : n.path("single")) {
                    if (item.has("Sequence")) {
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String name = item.get("SpecialToken").path("id").asText();
                        JsonNode ids = specials.path(name).path("ids");
                        if (!ids.isArray() || ids.isEmpty()) {
                            throw new IllegalArgumentException("tokenizer.json: TemplateProcessing uses special token '"
                                    + name + "' that special_tokens does not define");
                        }
                        for (JsonNode id : ids) (seenSequence ? suffix : prefix).add(id.asInt());
                    } else {
                        throw new IllegalArgumentException("tokenizer.json: TemplateProcessing item " + item
                                + " is neither SpecialToken nor Sequence");
                    }
                }
            }
            case "BertProcessing", "RobertaProcessing" -> {
                prefix.add(n.path("cls").path(1).asInt());
                suffix.add(n.path("sep").path(1).asInt());
            }
            default -> throw new IllegalArgumentException("tokenizer.json: post_processor type '" + type
                    + "' is not handled (handled: ByteLevel, TemplateProcessing, BertProcessing, RobertaProcessing, Sequence)");
        }
    }
}

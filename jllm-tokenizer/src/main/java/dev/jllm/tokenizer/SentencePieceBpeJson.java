package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a {@link SentencePieceBpe} from a Hugging Face tokenizer.json with a BPE model over
 * SentencePiece pieces ({@code byte_fallback}, "▁" for spaces), applying the file's pipeline
 * as Hugging Face tokenizers does: added tokens are cut out of the raw text, each remaining
 * segment is normalized, pre-tokenized, and every word is merged by merge rank.
 */
final class SentencePieceBpeJson {
    private SentencePieceBpeJson() {}

    static SentencePieceBpe read(JsonNode root, JsonNode config) {
        JsonNode model = root.path("model");
        if (!model.path("type").asText("BPE").equals("BPE")) {
            throw new IllegalArgumentException("tokenizer.json: model.type is '" + model.path("type").asText() + "', expected BPE for SentencePiece BPE");
        }
        if (!model.path("vocab").isObject()) throw new IllegalArgumentException("tokenizer.json: model.vocab must be an object of piece → id");
        if (!model.path("continuing_subword_prefix").isNull() && !model.path("continuing_subword_prefix").asText("").isEmpty()
                || !model.path("end_of_word_suffix").isNull() && !model.path("end_of_word_suffix").asText("").isEmpty()) {
            throw new IllegalArgumentException("tokenizer.json: SentencePiece BPE expects no continuing_subword_prefix / end_of_word_suffix");
        }
        Map<String, Integer> vocab = new HashMap<>();
        int maxId = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            vocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        List<SpecialTokens.Entry> raw = new ArrayList<>(), normalized = new ArrayList<>();
        Map<Integer, String> added = new HashMap<>();
        Map<Integer, Boolean> addedSpecial = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            String content = t.path("content").asText();
            boolean isSpecial = t.path("special").asBoolean();
            SpecialTokens.Entry e = new SpecialTokens.Entry(content, id, isSpecial,
                    t.path("lstrip").asBoolean(), t.path("rstrip").asBoolean(), t.path("single_word").asBoolean());
            (t.path("normalized").asBoolean(!isSpecial) ? normalized : raw).add(e);
            added.put(id, content);
            addedSpecial.put(id, isSpecial);
            maxId = Math.max(maxId, id);
        }
        String[] pieces = new String[maxId + 1];
        vocab.forEach((p, id) -> pieces[id] = p);
        added.forEach((id, p) -> pieces[id] = p);
        boolean[] special = new boolean[pieces.length];
        addedSpecial.forEach((id, s) -> special[id] = s);

        ByteLevelBpeMerges merges = readMerges(model.path("merges"), vocab);
        WordModel words = new WordModel(vocab, merges, model.path("byte_fallback").asBoolean(false),
                unkId(model, vocab), model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false));
        UnaryOperator<String> normalizer = TokenizerJsonBpe.normalizer(root.path("normalizer"));
        PreTokenizer preTokenizer = preTokenizer(root.path("pre_tokenizer"));
        // Like Hugging Face, a normalized added token is itself normalized before it is looked for.
        List<SpecialTokens.Entry> normalizedForms = new ArrayList<>();
        for (SpecialTokens.Entry e : normalized) {
            String form = normalizer == null ? e.content() : normalizer.apply(e.content());
            if (!form.isEmpty()) normalizedForms.add(new SpecialTokens.Entry(form, e.id(), e.special(), e.lstrip(), e.rstrip(), e.singleWord()));
        }
        SpecialTokens normalizedAdded = new SpecialTokens(normalizedForms);

        SentencePieceBpe.FragmentEncoder encoder = (fragment, atTextStart, afterSpecialOrStart, out) -> {
            String text = normalizer == null ? fragment : normalizer.apply(fragment);
            if (normalizedAdded.isEmpty()) {
                preTokenizer.split(text, atTextStart, w -> words.encode(w, out));
                return;
            }
            normalizedAdded.split(text, 0, text.length(), true, new SpecialTokens.Sink() {
                @Override
                public void text(int start, int end) {
                    preTokenizer.split(text.substring(start, end), atTextStart && start == 0, w -> words.encode(w, out));
                }

                @Override
                public void token(int id) {
                    out.accept(id);
                }
            });
        };

        List<Integer> prefix = new ArrayList<>(), suffix = new ArrayList<>();
        singleTemplate(root.path("post_processor"), prefix, suffix);
        String bosName = configToken(config, "bos_token"), eosName = configToken(config, "eos_token");
        int bos = bosName != null ? requirePresent(vocab, added, bosName, "bos_token")
                : !prefix.isEmpty() ? prefix.get(0) : firstPresent(vocab, added, "<s>", "<bos>");
        int eos = eosName != null ? requirePresent(vocab, added, eosName, "eos_token") : firstPresent(vocab, added, "</s>", "<eos>");
        return new SentencePieceBpe(pieces, special, bos, eos, new SpecialTokens(raw), encoder,
                prefix.stream().mapToInt(Integer::intValue).toArray(), suffix.stream().mapToInt(Integer::intValue).toArray(),
                SentencePieceBpeDecoder.fromJson(root.path("decoder")));
    }

    /** A token name from tokenizer_config.json: a string, or an AddedToken object with "content". */
    private static String configToken(JsonNode config, String field) {
        if (config == null) return null;
        JsonNode n = config.path(field);
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.path("content").isTextual()) return n.get("content").asText();
        return null;
    }

    private static int requirePresent(Map<String, Integer> vocab, Map<Integer, String> added, String name, String field) {
        int id = firstPresent(vocab, added, name);
        if (id < 0) throw new IllegalArgumentException("tokenizer_config.json: " + field + " '" + name + "' is not in the vocabulary");
        return id;
    }

    private static int firstPresent(Map<String, Integer> vocab, Map<Integer, String> added, String... names) {
        for (String name : names) {
            for (Map.Entry<Integer, String> e : added.entrySet()) if (e.getValue().equals(name)) return e.getKey();
            Integer id = vocab.get(name);
            if (id != null) return id;
        }
        return -1;
    }

    private static int unkId(JsonNode model, Map<String, Integer> vocab) {
        JsonNode unk = model.path("unk_token");
        if (unk.isNull() || unk.isMissingNode()) return -1;
        Integer id = vocab.get(unk.asText());
        if (id == null) throw new IllegalArgumentException("tokenizer.json: model.unk_token '" + unk.asText() + "' is not in model.vocab");
        return id;
    }

    private static ByteLevelBpeMerges readMerges(JsonNode list, Map<String, Integer> vocab) {
        ByteLevelBpeMerges merges = new ByteLevelBpeMerges(Math.max(16, list.size()));
        int rank = 0;
        for (JsonNode m : list) {
            String a, b;
            if (m.isArray() && m.size() == 2) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ');
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) throw new IllegalArgumentException("tokenizer.json: model.merges[" + rank + "] = '" + s + "' is not 'left right'");
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            } else {
                throw new IllegalArgumentException("tokenizer.json: model.merges[" + rank + "] = " + m + " is neither \"a b\" nor [a, b]");
            }
            Integer ia = vocab.get(a), ib = vocab.get(b), merged = vocab.get(a + b);
            if (ia == null || ib == null || merged == null) {
                throw new IllegalArgumentException("tokenizer.json: model.merges[" + rank + "] = (" + a + ", " + b
                        + ") refers to a piece missing from model.vocab");
            }
            merges.put(ia, ib, rank, merged);
            rank++;
        }
        return merges;
    }

    /** Characters → ids (byte fallback / unknown), then merges by rank, for one pre-token. */
    private record WordModel(Map<String, Integer> vocab, ByteLevelBpeMerges merges, boolean byteFallback,
                             int unkId, boolean fuseUnk, boolean ignoreMerges) {
        void encode(String word, IntConsumer out) {
            if (word.isEmpty()) return;
            if (ignoreMerges) {
                Integer whole = vocab.get(word);
                if (whole != null) {
                    out.accept(whole);
                    return;
                }
            }
            int[] ids = new int[word.length() * 4];
            int n = 0;
            boolean lastWasUnk = false;
            for (int i = 0; i < word.length(); ) {
                int cp = word.codePointAt(i);
                String ch = word.substring(i, i + Character.charCount(cp));
                i += ch.length();
                Integer id = vocab.get(ch);
                if (id != null) {
                    ids[n++] = id;
                    lastWasUnk = false;
                    continue;
                }
                if (byteFallback && fallsBackToBytes(ch)) {
                    for (byte b : ch.getBytes(StandardCharsets.UTF_8)) ids[n++] = vocab.get(bytePiece(b));
                    lastWasUnk = false;
                    continue;
                }
                if (unkId < 0) {
                    throw new IllegalArgumentException("character U+" + Integer.toHexString(cp).toUpperCase()
                            + " is not in the vocabulary and the tokenizer has neither byte fallback nor an unknown token");
                }
                if (!(fuseUnk && lastWasUnk)) ids[n++] = unkId;
                lastWasUnk = true;
            }
            n = merges.merge(ids, n, new long[Math.max(1, n)]);
            for (int i = 0; i < n; i++) out.accept(ids[i]);
        }

        private boolean fallsBackToBytes(String ch) {
            for (byte b : ch.getBytes(StandardCharsets.UTF_8)) if (!vocab.containsKey(bytePiece(b))) return false;
            return true;
        }

        private static String bytePiece(byte b) {
            return String.format("<0x%02X>", b & 0xFF);
        }
    }

    /** Splits a normalized segment into words. */
    interface PreTokenizer {
        void split(String text, boolean atTextStart, java.util.function.Consumer<String> words);
    }

    static PreTokenizer preTokenizer(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return (text, first, words) -> words.accept(text);
        String type = n.path("type").asText();
        return switch (type) {
            case "Metaspace" -> {
                String replacement = n.path("replacement").asText("\u2581");
                String scheme = n.has("prepend_scheme") ? n.get("prepend_scheme").asText()
                        : n.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                boolean split = n.path("split").asBoolean(true);
                Pattern sep = Pattern.compile(Pattern.quote(replacement));
                yield (text, first, words) -> {
                    String t = text.replace(" ", replacement);
                    boolean prepend = switch (scheme) {
                        case "always" -> true;
                        case "first" -> first;
                        case "never" -> false;
                        default -> throw new IllegalArgumentException("tokenizer.json: Metaspace prepend_scheme '" + scheme + "' (expected always, first, never)");
                    };
                    if (prepend && !t.startsWith(replacement)) t = replacement + t;
                    if (split) splitOn(t, sep, "MergedWithNext", false, words);
                    else words.accept(t);
                };
            }
            case "Split" -> {
                Pattern p = TokenizerJsonBpe.pattern(n.path("pattern"), "pre_tokenizer Split");
                String behavior = n.path("behavior").asText();
                boolean invert = n.path("invert").asBoolean(false);
                yield (text, first, words) -> splitOn(text, p, behavior, invert, words);
            }
            case "Sequence" -> {
                List<PreTokenizer> parts = new ArrayList<>();
                for (JsonNode c : n.path("pretokenizers")) parts.add(preTokenizer(c));
                yield (text, first, words) -> {
                    List<String> current = List.of(text);
                    for (PreTokenizer p : parts) {
                        List<String> next = new ArrayList<>();
                        boolean isFirst = first;
                        for (String w : current) {
                            p.split(w, isFirst, next::add);
                            isFirst = false;
                        }
                        current = next;
                    }
                    current.forEach(words);
                };
            }
            default -> throw new IllegalArgumentException("tokenizer.json: pre_tokenizer type '" + type
                    + "' is not a SentencePiece pre-tokenizer (expected Metaspace, Split, Sequence or none)");
        };
    }

    /** Hugging Face's Split with a delimiter behavior; empty pieces are dropped. */
    static void splitOn(String text, Pattern p, String behavior, boolean invert, java.util.function.Consumer<String> words) {
        List<int[]> parts = new ArrayList<>(); // {start, end, isMatch}
        Matcher m = p.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > at) parts.add(new int[]{at, m.start(), invert ? 1 : 0});
            parts.add(new int[]{m.start(), m.end(), invert ? 0 : 1});
            at = m.end();
        }
        if (at < text.length()) parts.add(new int[]{at, text.length(), invert ? 1 : 0});
        List<String> out = new ArrayList<>();
        switch (behavior) {
            case "Removed" -> { for (int[] q : parts) if (q[2] == 0) out.add(text.substring(q[0], q[1])); }
            case "Isolated" -> { for (int[] q : parts) out.add(text.substring(q[0], q[1])); }
            case "MergedWithPrevious" -> {
                int start = 0;
                for (int[] q : parts) {
                    if (q[2] == 1) {
                        out.add(text.substring(start, q[1]));
                        start = q[1];
                    }
                }
                if (start < text.length()) out.add(text.substring(start));
            }
            case "MergedWithNext" -> {
                int start = 0;
                for (int[] q : parts) {
                    if (q[2] == 1 && q[0] > start) {
                        out.add(text.substring(start, q[0]));
                        start = q[0];
                    }
                }
                if (start < text.length()) out.add(text.substring(start));
            }
            case "Contiguous" -> {
                for (int i = 0; i < parts.size(); i++) {
                    int[] q = parts.get(i);
                    int end = q[1];
                    while (q[2] == 1 && i + 1 < parts.size() && parts.get(i + 1)[2] == 1) end = parts.get(++i)[1];
                    out.add(text.substring(q[0], end));
                }
            }
            default -> throw new IllegalArgumentException("tokenizer.json: Split behavior '" + behavior
                    + "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
        }
        for (String w : out) if (!w.isEmpty()) words.accept(w);
    }

    /** Ids a TemplateProcessing {@code single} template puts before and after the sequence. */
    private static void singleTemplate(JsonNode pp, List<Integer> prefix, List<Integer> suffix) {
        if (pp == null || pp.isNull() || pp.isMissingNode()) return;
        String type = pp.path("type").asText();
        if (type.equals("Sequence")) {
            for (JsonNode c : pp.path("processors")) singleTemplate(c, prefix, suffix);
            return;
        }
        if (type.equals("ByteLevel")) return; // offsets only
        if (!type.equals("TemplateProcessing")) {
            throw new IllegalArgumentException("tokenizer.json: post_processor type '" + type + "' (expected TemplateProcessing for SentencePiece BPE)");
        }
        boolean seenSequence = false;
        for (JsonNode item : pp.path("single")) {
            if (item.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            String name = item.path("SpecialToken").path("id").asText();
            JsonNode tok = pp.path("special_tokens").path(name);
            if (tok.isMissingNode()) throw new IllegalArgumentException("tokenizer.json: post_processor template names special token '" + name + "' missing from special_tokens");
            for (JsonNode id : tok.path("ids")) (seenSequence ? suffix : prefix).add(id.asInt());
        }
    }
}

package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The post-processor of an encoder tokenizer: where the special tokens go around one sequence
 * ({@code [CLS] A [SEP]}) or a pair ({@code [CLS] A [SEP] B [SEP]}) and which token type id
 * (segment) each part gets. Read from Hugging Face TemplateProcessing or BertProcessing.
 */
final class WordPieceTemplate {

    /** A template item: a run of special token ids, or sequence A (0) / B (1); with its type id. */
    private record Item(int[] specialIds, int sequence, int typeId) {}

    private final List<Item> single, pair;

    private WordPieceTemplate(List<Item> single, List<Item> pair) {
        this.single = single;
        this.pair = pair;
    }

    /** BERT's layout: [CLS] A [SEP] and [CLS] A [SEP] B [SEP] with B's part in segment 1. */
    static WordPieceTemplate bert(int cls, int sep) {
        return new WordPieceTemplate(
                List.of(new Item(new int[]{cls}, -1, 0), new Item(null, 0, 0), new Item(new int[]{sep}, -1, 0)),
                List.of(new Item(new int[]{cls}, -1, 0), new Item(null, 0, 0), new Item(new int[]{sep}, -1, 0),
                        new Item(null, 1, 1), new Item(new int[]{sep}, -1, 1)));
    }

    static WordPieceTemplate none() {
        return new WordPieceTemplate(List.of(new Item(null, 0, 0)), List.of(new Item(null, 0, 0), new Item(null, 1, 1)));
    }

    static WordPieceTemplate fromJson(JsonNode pp, Map<String, Integer> ids) {
        if (pp == null || pp.isNull() || pp.isMissingNode()) return none();
        String type = pp.path("type").asText();
        switch (type) {
            case "BertProcessing" -> {
                return bert(pp.path("cls").get(1).asInt(), pp.path("sep").get(1).asInt());
            }
            case "TemplateProcessing" -> {
                return new WordPieceTemplate(items(pp, "single"), items(pp, "pair"));
            }
            default -> throw new IllegalArgumentException("tokenizer.json: post_processor type '" + type
                    + "' (expected TemplateProcessing or BertProcessing for WordPiece)");
        }
    }

    private static List<Item> items(JsonNode pp, String which) {
        List<Item> out = new ArrayList<>();
        for (JsonNode item : pp.path(which)) {
            if (item.has("Sequence")) {
                String seq = item.get("Sequence").path("id").asText();
                if (!seq.equals("A") && !seq.equals("B")) throw new IllegalArgumentException("tokenizer.json: post_processor." + which + " names sequence '" + seq + "' (expected A or B)");
                out.add(new Item(null, seq.equals("A") ? 0 : 1, item.get("Sequence").path("type_id").asInt()));
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode tok = pp.path("special_tokens").path(name);
                if (tok.isMissingNode()) throw new IllegalArgumentException("tokenizer.json: post_processor." + which + " names special token '" + name + "' missing from special_tokens");
                int[] specialIds = new int[tok.path("ids").size()];
                for (int i = 0; i < specialIds.length; i++) specialIds[i] = tok.path("ids").get(i).asInt();
                out.add(new Item(specialIds, -1, item.get("SpecialToken").path("type_id").asInt()));
            } else {
                throw new IllegalArgumentException("tokenizer.json: post_processor." + which + " item " + item + " is neither Sequence nor SpecialToken");
            }
        }
        return out;
    }

    /** Number of special tokens the template adds (what truncation must leave room for). */
    int added(boolean isPair) {
        int n = 0;
        for (Item it : isPair ? pair : single) if (it.specialIds != null) n += it.specialIds.length;
        return n;
    }

    /** Lays out a (or a and b) with the template's special tokens; returns ids and type ids. */
    WordPiece.Encoding apply(int[] a, int[] b, boolean addSpecialTokens) {
        boolean isPair = b != null;
        SentencePieceBpe.IdList ids = new SentencePieceBpe.IdList(), types = new SentencePieceBpe.IdList();
        for (Item it : isPair ? pair : single) {
            if (it.specialIds != null) {
                if (!addSpecialTokens) continue;
                for (int id : it.specialIds) {
                    ids.accept(id);
                    types.accept(it.typeId);
                }
            } else {
                int[] seq = it.sequence == 0 ? a : b;
                if (seq == null) continue;
                for (int id : seq) {
                    ids.accept(id);
                    types.accept(it.typeId);
                }
            }
        }
        return new WordPiece.Encoding(ids.toArray(), types.toArray());
    }
}

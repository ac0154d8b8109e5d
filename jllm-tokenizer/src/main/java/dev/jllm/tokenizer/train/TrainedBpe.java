package dev.jllm.tokenizer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link BpeTrainer}: vocabulary (token to id, special tokens first), merges in the
 * order learned, and the split regex. {@link #toTokenizerJson()} writes it as a Hugging Face
 * tokenizer.json: BPE model, Split(regex) + ByteLevel pre-tokenizer, ByteLevel decoder,
 * special tokens as added tokens.
 */
public record TrainedBpe(Map<String, Integer> vocab, List<String[]> merges, List<String> specialTokens, String splitPattern) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainedBpe {
        vocab = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(vocab));
        merges = List.copyOf(merges);
        specialTokens = List.copyOf(specialTokens);
    }

    public int vocabSize() {
        return vocab.size();
    }

    public ObjectNode toTokenizerJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : specialTokens) {
            ObjectNode t = added.addObject();
            t.put("id", vocab.get(s));
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode seq = pre.putArray("pretokenizers");
        ObjectNode split = seq.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", splitPattern);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode byteLevel = seq.addObject();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", false);
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        // "left right": byte-level symbols never contain a space, and every tokenizers version reads this form.
        for (String[] pair : merges) m.add(pair[0] + " " + pair[1]);
        return root;
    }

    public void save(Path tokenizerJson) throws IOException {
        Path parent = tokenizerJson.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(tokenizerJson, JSON.writeValueAsString(toTokenizerJson()) + "\n");
    }
}

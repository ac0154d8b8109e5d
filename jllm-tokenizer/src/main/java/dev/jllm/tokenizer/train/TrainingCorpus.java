package dev.jllm.tokenizer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads training texts: a {@code .jsonl} / {@code .jsonl.gz} file gives the "text" field of each line
 * (one document each); any other file ({@code .gz} allowed) gives its lines, each with its line
 * ending kept, as Hugging Face's trainer reads files.
 */
public final class TrainingCorpus {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCorpus() {
    }

    public static List<String> read(Path file) throws IOException {
        String name = file.getFileName().toString();
        boolean gz = name.endsWith(".gz");
        String base = gz ? name.substring(0, name.length() - 3) : name;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
            if (base.endsWith(".jsonl") || base.endsWith(".json")) return readJsonl(file, in);
            return linesWithEndings(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static List<String> readJsonl(Path file, InputStream in) throws IOException {
        List<String> texts = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new IOException(file + ":" + n + ": not a JSON object: " + e.getMessage(), e);
            }
            JsonNode text = node == null ? null : node.get("text");
            if (text == null || !text.isTextual()) {
                throw new IOException(file + ":" + n + ": expected a string field \"text\", found "
                        + (text == null ? "none" : text.getNodeType()));
            }
            texts.add(text.asText());
        }
        return texts;
    }

    /** Splits after each "\n" (so "\r\n" stays with its line); a last line without an ending is kept. */
    public static List<String> linesWithEndings(String s) {
        List<String> lines = new ArrayList<>();
        int from = 0;
        for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', from)) {
            lines.add(s.substring(from, i + 1));
            from = i + 1;
        }
        if (from < s.length()) lines.add(s.substring(from));
        return lines;
    }
}

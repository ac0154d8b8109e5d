package dev.jllm.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Test texts: JDK sources, the Brown Corpus and the committed edge cases. */
final class ByteLevelBpeTestCorpus {
    static final Path JDK_SRC = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip");

    private ByteLevelBpeTestCorpus() {}

    /** A fixed selection of JDK sources (java.base java/util and java/lang in name order), up to maxChars. */
    static List<String> jdkSources(int maxChars) {
        Assumptions.assumeTrue(Files.exists(JDK_SRC), "no JDK src.zip at " + JDK_SRC);
        List<String> docs = new ArrayList<>();
        try (ZipFile zip = new ZipFile(JDK_SRC.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            zip.stream().filter(e -> e.getName().endsWith(".java") && (e.getName().startsWith("java.base/java/util/")
                    || e.getName().startsWith("java.base/java/lang/"))).forEach(entries::add);
            entries.sort((a, b) -> a.getName().compareTo(b.getName()));
            int total = 0;
            for (ZipEntry e : entries) {
                if (total >= maxChars) break;
                try (InputStream in = zip.getInputStream(e)) {
                    String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    docs.add(s);
                    total += s.length();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** The Brown Corpus documents from data/brown.jsonl.gz at the repository root. */
    static List<String> brown() {
        Path p = repoFile("data/brown.jsonl.gz");
        Assumptions.assumeTrue(p != null, "no data/brown.jsonl.gz found above " + Path.of("").toAbsolutePath());
        List<String> docs = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(p)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) docs.add(json.readTree(line).path("text").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** The edge cases, one per line, with \n \r \t \\ unescaped. */
    static List<String> edgeCases() {
        try (InputStream in = ByteLevelBpeTestCorpus.class.getResourceAsStream("/bpe/edge-cases.txt")) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            for (String line : all.split("\n")) out.add(unescape(line));
            return Collections.unmodifiableList(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char d = s.charAt(++i);
                switch (d) {
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case '\\' -> b.append('\\');
                    default -> b.append('\\').append(d);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static Path repoFile(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(relative))) return dir.resolve(relative);
        }
        return null;
    }

    /** A readable report of the first difference between two id arrays. */
    static String firstMismatch(Tokenizer t, String text, int[] ours, int[] expected) {
        int i = 0;
        while (i < ours.length && i < expected.length && ours[i] == expected[i]) i++;
        int from = Math.max(0, i - 3);
        StringBuilder b = new StringBuilder("first difference at token " + i + " (lengths " + ours.length + " vs "
                + expected.length + ")\n  ours:     ");
        for (int k = from; k < Math.min(ours.length, i + 4); k++) b.append(ours[k]).append(' ').append(show(t, ours[k])).append("  ");
        b.append("\n  expected: ");
        for (int k = from; k < Math.min(expected.length, i + 4); k++) b.append(expected[k]).append(' ').append(show(t, expected[k])).append("  ");
        int[] prefix = java.util.Arrays.copyOf(expected, Math.min(i, expected.length));
        int at = t.decode(prefix).length();
        b.append("\n  text near: ").append(escape(text.substring(Math.max(0, at - 30), Math.min(text.length(), at + 40))));
        return b.toString();
    }

    private static String show(Tokenizer t, int id) {
        try {
            return "'" + escape(t.decode(new int[]{id})) + "'";
        } catch (RuntimeException e) {
            return "?";
        }
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }
}

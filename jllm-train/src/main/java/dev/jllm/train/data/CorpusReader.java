package dev.jllm.train.data;

import dev.jllm.tokenizer.train.TrainingCorpus;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Reads a training corpus as a list of documents: a {@code .jsonl} / {@code .jsonl.gz} file
 * gives the {@code "text"} field of each line; any other file ({@code .gz} allowed) is one
 * document of UTF-8 text; a directory gives every such file under it, in path order.
 */
public final class CorpusReader {
    private CorpusReader() {}

    public static List<String> read(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "corpus not found");
        List<String> docs = new ArrayList<>();
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(path)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) readFile(f, docs);
        } else {
            readFile(path, docs);
        }
        docs.removeIf(String::isEmpty);
        if (docs.isEmpty()) throw new IOException(path + ": the corpus holds no non-empty documents");
        return docs;
    }

    private static void readFile(Path f, List<String> docs) throws IOException {
        String name = f.getFileName().toString();
        String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
        if (base.endsWith(".jsonl")) {
            docs.addAll(TrainingCorpus.read(f));
            return;
        }
        try (InputStream raw = Files.newInputStream(f);
             InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] bytes = in.readAllBytes();
            try {
                docs.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                throw new IOException(f + ": not UTF-8 text", e);
            }
        }
    }
}

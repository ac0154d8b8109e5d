package dev.jllm.rag;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Brings an index in line with a directory tree: every text file is (re)chunked and put under
 * its path relative to the root; sources no longer present are deleted. Files that are not
 * UTF-8 text fail with their path named.
 */
public final class DirectoryIndexer {
    private static final Set<String> TEXT = Set.of("txt", "md", "markdown", "rst", "adoc", "java", "py", "js", "ts", "c", "h",
            "cpp", "go", "rs", "kt", "json", "yaml", "yml", "toml", "xml", "html", "csv", "sh");

    private DirectoryIndexer() {}

    /** Whether a file name looks like text this indexer reads. */
    public static boolean isText(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && TEXT.contains(n.substring(dot + 1).toLowerCase());
    }

    /**
     * Indexes {@code root}; {@code progress} receives (files done, files total).
     *
     * @return the number of chunks now in the index
     */
    public static int index(Path root, ChunkIndex index, Chunker chunker, BiConsumer<Integer, Integer> progress) throws IOException {
        if (!Files.isDirectory(root)) throw new java.nio.file.NoSuchFileException(root.toString(), null, "not a directory");
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).filter(DirectoryIndexer::isText)
                    .filter(p -> root.relativize(p).toString().chars().noneMatch(c -> c == '\0'))
                    .filter(p -> !root.relativize(p).toString().startsWith(".")).sorted().toList();
        }
        Set<String> seen = new HashSet<>();
        int done = 0;
        for (Path p : files) {
            String source = root.relativize(p).toString().replace('\\', '/');
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(p))).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(p + ": not UTF-8 text (" + e.getMessage() + ")", e);
            } catch (IOException e) {
                throw new IOException(p + ": cannot read (" + e.getMessage() + ")", e);
            }
            index.put(source, chunker.chunk(source, text));
            seen.add(source);
            progress.accept(++done, files.size());
        }
        for (String s : index.sources()) if (!seen.contains(s)) index.delete(s);
        index.commit();
        return index.chunkCount();
    }
}

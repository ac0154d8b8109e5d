package dev.jllm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.jllm.tokenizer.ByteLevelBpe;
import dev.jllm.tokenizer.TiktokenEncoding;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Encode throughput of jllm's byte-level BPE against jtokkit, in the same run and on the same
 * rank files: JDK sources (code) and the Brown Corpus (English prose). Each measurement encodes
 * the whole corpus, document by document; ours and jtokkit's alternate, and the median of the
 * repetitions is reported. Token ids are compared too, so a fast wrong answer cannot pass.
 */
public final class TokenizerBench {

    public record Options(List<String> encodings, Path jdkSrc, Path brown, int jdkChars, int warmup, int reps) {
        public static final Path DEFAULT_JDK_SRC = Path.of(System.getProperty("java.home"), "lib", "src.zip");
    }

    public record Corpus(String name, List<String> docs, long utf8Bytes) {}

    public record Result(String encoding, String corpus, long bytes, long tokens, double oursMBps, double jtokkitMBps,
                         boolean sameIds) {
        public double ratio() {
            return oursMBps / jtokkitMBps;
        }
    }

    private final PrintStream log;

    public TokenizerBench(PrintStream log) {
        this.log = log;
    }

    public List<Result> run(Options o) throws IOException {
        List<Corpus> corpora = new ArrayList<>();
        if (o.jdkSrc() != null && Files.exists(o.jdkSrc())) corpora.add(jdkSources(o.jdkSrc(), o.jdkChars()));
        else log.println("skipping JDK sources: no " + o.jdkSrc());
        if (o.brown() != null && Files.exists(o.brown())) corpora.add(brown(o.brown()));
        else log.println("skipping Brown Corpus: no " + o.brown() + " (give --brown data/brown.jsonl.gz)");
        if (corpora.isEmpty()) throw new IllegalArgumentException("no corpus to measure on (need the JDK src.zip or data/brown.jsonl.gz)");
        EncodingRegistry registry = Encodings.newDefaultEncodingRegistry();
        List<Result> results = new ArrayList<>();
        for (String name : o.encodings()) {
            ByteLevelBpe ours = TiktokenEncoding.fromClasspath(name);
            Encoding theirs = registry.getEncoding(EncodingType.fromName(name)
                    .orElseThrow(() -> new IllegalArgumentException("jtokkit has no encoding '" + name + "'")));
            for (Corpus c : corpora) {
                boolean same = true;
                long tokens = 0;
                for (String d : c.docs()) {
                    int[] a = ours.encode(d, false, false);
                    tokens += a.length;
                    same &= Arrays.equals(a, theirs.encodeOrdinary(d).toArray());
                }
                double[] tOurs = new double[o.reps()], tTheirs = new double[o.reps()];
                for (int i = 0; i < o.warmup(); i++) {
                    encodeAll(ours, c);
                    encodeAll(theirs, c);
                }
                for (int i = 0; i < o.reps(); i++) {
                    tOurs[i] = time(() -> encodeAll(ours, c));
                    tTheirs[i] = time(() -> encodeAll(theirs, c));
                }
                Result r = new Result(name, c.name(), c.utf8Bytes(), tokens,
                        c.utf8Bytes() / 1e6 / Measure.median(tOurs), c.utf8Bytes() / 1e6 / Measure.median(tTheirs), same);
                log.printf("%-12s %-12s %7.2f MB  jllm %7.2f MB/s  jtokkit %7.2f MB/s  ratio %.2fx%s%n", r.encoding(), r.corpus(),
                        r.bytes() / 1e6, r.oursMBps(), r.jtokkitMBps(), r.ratio(), same ? "" : "  IDS DIFFER");
                results.add(r);
            }
        }
        return results;
    }

    private static long sink;

    private static void encodeAll(ByteLevelBpe t, Corpus c) {
        long n = 0;
        for (String d : c.docs()) n += t.encode(d, false, false).length;
        sink += n;
    }

    private static void encodeAll(Encoding t, Corpus c) {
        long n = 0;
        for (String d : c.docs()) n += t.encodeOrdinary(d).size();
        sink += n;
    }

    private static double time(Runnable r) {
        long s = System.nanoTime();
        r.run();
        return (System.nanoTime() - s) / 1e9;
    }

    /** A fixed selection: java.base's java/util and java/lang sources in name order, up to maxChars. */
    public static Corpus jdkSources(Path srcZip, int maxChars) throws IOException {
        List<String> docs = new ArrayList<>();
        long bytes = 0;
        try (ZipFile zip = new ZipFile(srcZip.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            zip.stream().filter(e -> e.getName().endsWith(".java") && (e.getName().startsWith("java.base/java/util/")
                    || e.getName().startsWith("java.base/java/lang/"))).forEach(entries::add);
            entries.sort((a, b) -> a.getName().compareTo(b.getName()));
            int chars = 0;
            for (ZipEntry e : entries) {
                if (chars >= maxChars) break;
                try (InputStream in = zip.getInputStream(e)) {
                    byte[] b = in.readAllBytes();
                    String s = new String(b, StandardCharsets.UTF_8);
                    docs.add(s);
                    chars += s.length();
                    bytes += b.length;
                }
            }
        }
        return new Corpus("jdk-sources", docs, bytes);
    }

    /** The Brown Corpus as JSON lines with a "text" field, gzipped. */
    public static Corpus brown(Path jsonlGz) throws IOException {
        List<String> docs = new ArrayList<>();
        long bytes = 0;
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(jsonlGz)),
                StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                var node = json.readTree(line).get("text");
                if (node == null) throw new IOException(jsonlGz + " line " + lineNo + ": no \"text\" field");
                docs.add(node.asText());
                bytes += node.asText().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return new Corpus("brown", docs, bytes);
    }

    /** data/brown.jsonl.gz in the working directory or a parent of it, or null. */
    public static Path findBrown() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("data").resolve("brown.jsonl.gz");
            if (Files.exists(p)) return p;
        }
        return null;
    }
}

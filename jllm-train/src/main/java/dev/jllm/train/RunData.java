package dev.jllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.formats.gguf.GgufValue;
import dev.jllm.formats.gguf.GgufWriter;
import dev.jllm.tensor.Parallel;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import dev.jllm.tokenizer.train.BpeTrainer;
import dev.jllm.tokenizer.train.SplitPatterns;
import dev.jllm.tokenizer.train.TrainedBpe;
import dev.jllm.train.data.CorpusReader;
import dev.jllm.train.data.Shuffle;
import dev.jllm.train.data.TokenDataset;
import dev.jllm.train.data.TokenShardWriter;
import dev.jllm.train.recipe.Recipe;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A run's tokenizer and token shards, prepared once in the run directory and reused:
 * corpus → documents → split by document (seeded) → tokenizer (trained on the training
 * documents, or loaded) → {@code data/train-*.bin}, {@code data/val-*.bin} and a manifest
 * {@value #MANIFEST} recording what they were made from.
 */
public final class RunData implements AutoCloseable {
    public static final String MANIFEST = "dataset.json";
    public static final String SPECIAL = "<|endoftext|>";
    static final long MAX_TOKENS_PER_SHARD = 1L << 27;
    static final long SPLIT_SALT = -1; // epochs use salts 0, 1, ...; the split must not coincide with one

    private final Tokenizer tokenizer;
    private final Path tokenizerFile;
    private final int eos;
    private final TokenDataset train;
    private final TokenDataset val;
    private final JsonNode manifest;

    private RunData(Tokenizer tokenizer, Path tokenizerFile, int eos, TokenDataset train, TokenDataset val, JsonNode manifest) {
        this.tokenizer = tokenizer;
        this.tokenizerFile = tokenizerFile;
        this.eos = eos;
        this.train = train;
        this.val = val;
        this.manifest = manifest;
    }

    public Tokenizer tokenizer() { return tokenizer; }
    /** tokenizer.json or tokenizer.gguf in the run directory. */
    public Path tokenizerFile() { return tokenizerFile; }
    public int eos() { return eos; }
    public TokenDataset train() { return train; }
    /** Null when the recipe holds nothing out. */
    public TokenDataset validation() { return val; }
    public JsonNode manifest() { return manifest; }

    /** Resolves a recipe's data path: as given, else against {@code base} (the recipe's project root). */
    public static Path resolvePath(String path, Path base) throws NoSuchFileException {
        Path p = Path.of(path);
        if (Files.exists(p) || p.isAbsolute() || base == null) {
            if (!Files.exists(p)) throw new NoSuchFileException(p.toString(), null, "not found");
            return p;
        }
        Path q = base.resolve(path);
        if (!Files.exists(q)) throw new NoSuchFileException(path, null, "not found (also looked in " + base + ")");
        return q;
    }

    /** Opens the prepared data in {@code runDir}, preparing it first when missing or made from other inputs. */
    public static RunData prepare(Recipe r, Path base, Path runDir, PrintStream log) throws IOException {
        Path corpus = resolvePath(r.data.path, base);
        Path tokSource = r.tokenizer.path == null ? null : resolvePath(r.tokenizer.path, base);
        ObjectNode want = Checkpoint.JSON.createObjectNode();
        want.put("corpus", corpus.toAbsolutePath().normalize().toString());
        want.put("corpus_sha256", treeSha256(corpus));
        want.put("max_docs", r.data.maxDocs);
        want.put("val_fraction", r.data.valFraction);
        want.put("seed", r.seed);
        ObjectNode tk = want.putObject("tokenizer");
        if (tokSource != null) tk.put("path", tokSource.toAbsolutePath().normalize().toString()).put("sha256", treeSha256(tokSource));
        else tk.put("train_vocab", r.tokenizer.trainVocab).put("min_frequency", r.tokenizer.minFrequency).put("pattern", r.tokenizer.pattern);
        Path dataDir = runDir.resolve("data");
        Path manifestPath = dataDir.resolve(MANIFEST);
        if (Files.isRegularFile(manifestPath)) {
            JsonNode have = Checkpoint.JSON.readTree(manifestPath.toFile());
            if (have.path("inputs").equals(want)) {
                log.println("data: reusing " + dataDir);
                return open(runDir, have);
            }
            log.println("data: " + dataDir + " was made from other inputs; preparing it again");
        }
        Checkpoint.deleteTree(dataDir);
        Files.createDirectories(dataDir);

        long t0 = System.nanoTime();
        List<String> docs = CorpusReader.read(corpus);
        if (r.data.maxDocs > 0 && docs.size() > r.data.maxDocs) docs = docs.subList(0, r.data.maxDocs);
        int n = docs.size();
        int nVal = r.data.valFraction > 0 ? (int) Math.max(1, Math.round(n * r.data.valFraction)) : 0;
        if (n - nVal < 1) {
            throw new IllegalArgumentException(corpus + ": " + n + " document(s) cannot be split into training and validation "
                    + "(data.val_fraction " + r.data.valFraction + "); add documents or set val_fraction: 0");
        }
        int[] perm = Shuffle.permutation(n, r.seed, SPLIT_SALT);
        int[] valIdx = Arrays.copyOfRange(perm, 0, nVal), trainIdx = Arrays.copyOfRange(perm, nVal, n);
        Arrays.sort(valIdx);
        Arrays.sort(trainIdx);
        List<String> trainDocs = new ArrayList<>(), valDocs = new ArrayList<>();
        for (int i : trainIdx) trainDocs.add(docs.get(i));
        for (int i : valIdx) valDocs.add(docs.get(i));
        log.printf("data: %,d documents from %s (%,d train, %,d validation)%n", n, corpus, trainDocs.size(), valDocs.size());

        Path tokFile;
        if (tokSource == null) {
            BpeTrainer.Options o = new BpeTrainer.Options(r.tokenizer.trainVocab, r.tokenizer.minFrequency, List.of(SPECIAL),
                    SplitPatterns.resolve(r.tokenizer.pattern), Math.max(1, Runtime.getRuntime().availableProcessors()));
            long tt = System.nanoTime();
            TrainedBpe bpe = new BpeTrainer(o).train(trainDocs);
            tokFile = runDir.resolve("tokenizer.json");
            bpe.save(tokFile);
            log.printf("tokenizer: trained a %,d-token byte-level BPE on the training documents in %.1f s%n",
                    bpe.vocabSize(), (System.nanoTime() - tt) / 1e9);
        } else {
            tokFile = copyTokenizer(tokSource, runDir);
        }
        Tokenizer tok = loadTokenizer(tokFile);
        int eos = eosOf(tok, tokFile);
        int vocab = tok.vocabSize();
        long[] counts = new long[2];
        counts[0] = writeSplit(tok, trainDocs, dataDir, "train", vocab);
        counts[1] = nVal > 0 ? writeSplit(tok, valDocs, dataDir, "val", vocab) : 0;
        ObjectNode manifest = Checkpoint.JSON.createObjectNode();
        manifest.set("inputs", want);
        manifest.put("tokenizer_file", tokFile.getFileName().toString());
        manifest.put("vocab_size", vocab);
        manifest.put("eos_id", eos);
        manifest.putObject("train").put("documents", trainDocs.size()).put("tokens", counts[0]);
        manifest.putObject("val").put("documents", valDocs.size()).put("tokens", counts[1]);
        Checkpoint.writeAtomically(manifestPath, Checkpoint.JSON.writeValueAsString(manifest));
        log.printf("data: %,d training and %,d validation tokens (vocab %,d) in %.1f s%n", counts[0], counts[1], vocab,
                (System.nanoTime() - t0) / 1e9);
        return open(runDir, manifest);
    }

    private static RunData open(Path runDir, JsonNode manifest) throws IOException {
        Path tokFile = runDir.resolve(manifest.path("tokenizer_file").asText("tokenizer.json"));
        Tokenizer tok = loadTokenizer(tokFile);
        Path dataDir = runDir.resolve("data");
        TokenDataset train = TokenDataset.open(dataDir, "train");
        TokenDataset val = manifest.path("val").path("documents").asInt() > 0 ? TokenDataset.open(dataDir, "val") : null;
        if (train.vocabSize() != tok.vocabSize()) {
            throw new IOException(dataDir + ": shards were written for a vocabulary of " + train.vocabSize()
                    + ", the tokenizer has " + tok.vocabSize());
        }
        return new RunData(tok, tokFile, eosOf(tok, tokFile), train, val, manifest);
    }

    /** Loads tokenizer.json or the tokenizer inside a .gguf. */
    public static Tokenizer loadTokenizer(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".gguf")) {
            try (GgufFile g = GgufFile.open(file)) {
                return Tokenizers.fromGgufMetadata(g.metadata());
            }
        }
        return Tokenizers.load(file);
    }

    /** The id that separates documents: the tokenizer's EOS, else {@value #SPECIAL}. */
    public static int eosOf(Tokenizer tok, Path source) {
        int eos = tok.eosId() >= 0 ? tok.eosId() : tok.id(SPECIAL);
        if (eos < 0) throw new IllegalArgumentException(source + ": the tokenizer has no EOS token (nor " + SPECIAL + ") to separate documents");
        return eos;
    }

    /** Copies a given tokenizer into the run: tokenizer.json as is, a GGUF's tokenizer.* metadata into tokenizer.gguf. */
    private static Path copyTokenizer(Path source, Path runDir) throws IOException {
        Path src = Files.isDirectory(source) ? source.resolve("tokenizer.json") : source;
        if (src.getFileName().toString().endsWith(".gguf")) {
            Path out = runDir.resolve("tokenizer.gguf");
            try (GgufFile g = GgufFile.open(src)) {
                GgufWriter w = new GgufWriter();
                for (Map.Entry<String, GgufValue> e : g.typedMetadata().entrySet()) {
                    if (e.getKey().startsWith("tokenizer.")) w.put(e.getKey(), e.getValue());
                }
                w.write(out);
            }
            return out;
        }
        Path out = runDir.resolve("tokenizer.json");
        Files.copy(src, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return out;
    }

    private static long writeSplit(Tokenizer tok, List<String> docs, Path dir, String prefix, int vocab) throws IOException {
        int[][] ids = new int[docs.size()][];
        Parallel.forRange(docs.size(), 1, (s, e) -> {
            for (int i = s; i < e; i++) ids[i] = tok.encode(docs.get(i), false, false);
        });
        TokenShardWriter w = new TokenShardWriter(dir, prefix, vocab, MAX_TOKENS_PER_SHARD);
        long total = 0;
        for (int[] d : ids) {
            w.add(d);
            total += d.length;
        }
        w.finish();
        return total;
    }

    /** SHA-256 of a file, or of every file under a directory (names and contents). */
    static String treeSha256(Path p) throws IOException {
        if (!Files.isDirectory(p)) return Checkpoint.sha256(p);
        StringBuilder sb = new StringBuilder();
        try (var s = Files.walk(p)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                sb.append(p.relativize(f)).append('=').append(Checkpoint.sha256(f)).append('\n');
            }
        }
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        train.close();
        if (val != null) val.close();
    }
}

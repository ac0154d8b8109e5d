package dev.jllm.rag;

import dev.jllm.models.Encoder;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One on-disk Lucene index holding, per chunk, the text (BM25) and the embedding (HNSW,
 * cosine), with the source path and char offsets stored. The embedding model's name and
 * dimension are recorded in the commit data; opening with another model is refused.
 * Documents are added and deleted per source; an open index sees its own commits without
 * rebuilding.
 */
public final class ChunkIndex implements AutoCloseable {
    /** Reciprocal rank fusion constant (Cormack et al. 2009). */
    public static final int RRF_K = 60;
    private static final String F_SOURCE = "source", F_TEXT = "text", F_VEC = "vec", F_ORD = "ord", F_START = "start", F_END = "end";
    private static final String META_MODEL = "jllm.model", META_DIM = "jllm.dim";

    private final Directory dir;
    private final IndexWriter writer;
    private final Analyzer analyzer = new EnglishAnalyzer();
    private final Encoder encoder;
    private DirectoryReader reader;

    private ChunkIndex(Directory dir, IndexWriter writer, Encoder encoder) throws IOException {
        this.dir = dir;
        this.writer = writer;
        this.encoder = encoder;
        this.reader = DirectoryReader.open(writer);
    }

    /** Opens (creating when {@code create}) the index at {@code path} for {@code encoder}'s vectors. */
    public static ChunkIndex open(Path path, Encoder encoder, boolean create) throws IOException {
        boolean exists = Files.isDirectory(path) && DirectoryReader.indexExists(FSDirectory.open(path));
        if (!exists && !create) throw new NoSuchFileException(path.toString(), null, "no jllm index here (build one with 'jllm index build')");
        Directory d = FSDirectory.open(path);
        if (exists) {
            Map<String, String> meta = committed(d);
            String model = meta.get(META_MODEL), dim = meta.get(META_DIM);
            if (dim != null && Integer.parseInt(dim) != encoder.dim() || model != null && !model.equals(encoder.name())) {
                d.close();
                throw new IllegalArgumentException(path + " was built with model '" + model + "' (dim " + dim + "); the query model is '"
                        + encoder.name() + "' (dim " + encoder.dim() + ") — pass the same -m");
            }
        }
        IndexWriterConfig cfg = new IndexWriterConfig(new EnglishAnalyzer());
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
        IndexWriter w = new IndexWriter(d, cfg);
        w.setLiveCommitData(Map.of(META_MODEL, encoder.name(), META_DIM, Integer.toString(encoder.dim())).entrySet());
        return new ChunkIndex(d, w, encoder);
    }

    /** The model name and dimension recorded in an index, without opening it for writing. */
    public static Map<String, String> committed(Directory d) throws IOException {
        try (DirectoryReader r = DirectoryReader.open(d)) {
            return r.getIndexCommit().getUserData();
        }
    }

    /** Replaces every chunk of {@code source} with {@code chunks} (embedding them in batches). */
    public void put(String source, List<Chunk> chunks) throws IOException {
        delete(source);
        for (int i = 0; i < chunks.size(); i += 32) {
            List<Chunk> part = chunks.subList(i, Math.min(chunks.size(), i + 32));
            add(source, part, encoder.embed(part.stream().map(Chunk::text).toList()));
        }
    }

    /**
     * Replaces every chunk of {@code source} with {@code chunks} whose embeddings were computed
     * elsewhere (one vector of the index's dimension per chunk), or with no vectors at all
     * ({@code vectors == null}: BM25 only; dense search will not find these chunks).
     */
    public void put(String source, List<Chunk> chunks, float[][] vectors) throws IOException {
        if (vectors != null && vectors.length != chunks.size()) {
            throw new IllegalArgumentException(chunks.size() + " chunks but " + vectors.length + " vectors");
        }
        delete(source);
        add(source, chunks, vectors);
    }

    private void add(String source, List<Chunk> chunks, float[][] vectors) throws IOException {
        for (int j = 0; j < chunks.size(); j++) {
            Chunk c = chunks.get(j);
            Document doc = new Document();
            doc.add(new StringField(F_SOURCE, source, Field.Store.YES));
            doc.add(new TextField(F_TEXT, c.text(), Field.Store.YES));
            if (vectors != null) {
                if (vectors[j].length != encoder.dim()) {
                    throw new IllegalArgumentException("vector " + j + " has " + vectors[j].length + " dims, the index holds " + encoder.dim());
                }
                doc.add(new KnnFloatVectorField(F_VEC, vectors[j], VectorSimilarityFunction.COSINE));
            }
            doc.add(new StoredField(F_ORD, c.ordinal()));
            doc.add(new StoredField(F_START, c.start()));
            doc.add(new StoredField(F_END, c.end()));
            writer.addDocument(doc);
        }
    }

    /** Removes every chunk of {@code source}. */
    public void delete(String source) throws IOException {
        writer.deleteDocuments(new Term(F_SOURCE, source));
    }

    /** Makes the changes durable and visible to searches. */
    public void commit() throws IOException {
        writer.commit();
        DirectoryReader fresh = DirectoryReader.openIfChanged(reader, writer);
        if (fresh != null) {
            reader.close();
            reader = fresh;
        }
    }

    public int chunkCount() { return reader.numDocs(); }

    /** The distinct sources indexed. */
    public List<String> sources() throws IOException {
        java.util.TreeSet<String> s = new java.util.TreeSet<>();
        IndexSearcher searcher = new IndexSearcher(reader);
        TopDocs all = searcher.search(new org.apache.lucene.search.MatchAllDocsQuery(), Math.max(1, reader.numDocs()));
        for (ScoreDoc sd : all.scoreDocs) s.add(searcher.storedFields().document(sd.doc).get(F_SOURCE));
        return new ArrayList<>(s);
    }

    /** The top {@code k} chunks for {@code query}. */
    public List<SearchHit> search(String query, int k, SearchMode mode) throws IOException {
        return search(query, k, mode, null);
    }

    /**
     * As {@link #search(String, int, SearchMode)}, then, when {@code reranker} is given, rescoring
     * the candidates with it (e.g. a cross-encoder's relevance logit) and keeping the top {@code k}.
     */
    public List<SearchHit> search(String query, int k, SearchMode mode, BiFunction<String, List<String>, float[]> reranker) throws IOException {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
        IndexSearcher searcher = new IndexSearcher(reader);
        int candidates = reranker != null || mode == SearchMode.HYBRID ? Math.max(k, 50) : k;
        List<SearchHit> hits = switch (mode) {
            case BM25 -> hits(searcher, searcher.search(bm25Query(query), candidates));
            case DENSE -> hits(searcher, searcher.search(denseQuery(query, candidates), candidates));
            case HYBRID -> fuse(hits(searcher, searcher.search(bm25Query(query), candidates)),
                    hits(searcher, searcher.search(denseQuery(query, candidates), candidates)));
        };
        if (reranker != null && !hits.isEmpty()) {
            float[] s = reranker.apply(query, hits.stream().map(h -> h.chunk().text()).toList());
            List<SearchHit> re = new ArrayList<>();
            for (int i = 0; i < hits.size(); i++) re.add(new SearchHit(hits.get(i).chunk(), s[i]));
            re.sort((a, b) -> Double.compare(b.score(), a.score()));
            hits = re;
        }
        return hits.size() > k ? new ArrayList<>(hits.subList(0, k)) : hits;
    }

    /** Reciprocal rank fusion: score = sum over lists of 1 / (RRF_K + rank), rank from 1. */
    static List<SearchHit> fuse(List<SearchHit> a, List<SearchHit> b) {
        Map<String, Double> score = new HashMap<>();
        Map<String, Chunk> chunk = new LinkedHashMap<>();
        for (List<SearchHit> list : List.of(a, b)) {
            for (int r = 0; r < list.size(); r++) {
                Chunk c = list.get(r).chunk();
                String key = c.source() + "#" + c.ordinal();
                chunk.putIfAbsent(key, c);
                score.merge(key, 1.0 / (RRF_K + r + 1), Double::sum);
            }
        }
        List<SearchHit> out = new ArrayList<>();
        for (Map.Entry<String, Chunk> e : chunk.entrySet()) out.add(new SearchHit(e.getValue(), score.get(e.getKey())));
        out.sort((x, y) -> Double.compare(y.score(), x.score()));
        return out;
    }

    private Query bm25Query(String query) throws IOException {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        try (TokenStream ts = analyzer.tokenStream(F_TEXT, query)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) b.add(new TermQuery(new Term(F_TEXT, term.toString())), BooleanClause.Occur.SHOULD);
            ts.end();
        }
        return b.build();
    }

    private Query denseQuery(String query, int k) {
        return new KnnFloatVectorQuery(F_VEC, encoder.embed(List.of(query))[0], k);
    }

    private static List<SearchHit> hits(IndexSearcher searcher, TopDocs top) throws IOException {
        List<SearchHit> out = new ArrayList<>();
        for (ScoreDoc sd : top.scoreDocs) {
            Document d = searcher.storedFields().document(sd.doc);
            out.add(new SearchHit(new Chunk(d.get(F_SOURCE), d.getField(F_ORD).numericValue().intValue(),
                    d.getField(F_START).numericValue().intValue(), d.getField(F_END).numericValue().intValue(), d.get(F_TEXT)), sd.score));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        reader.close();
        writer.close();
        dir.close();
        analyzer.close();
    }
}

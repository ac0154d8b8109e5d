package dev.jllm.rag;

/** Which ranking {@link ChunkIndex#search} uses. */
public enum SearchMode {
    /** Lucene BM25 over the chunk text. */
    BM25,
    /** HNSW nearest neighbours of the query embedding (cosine). */
    DENSE,
    /** Reciprocal rank fusion (k = 60) of the two. */
    HYBRID
}

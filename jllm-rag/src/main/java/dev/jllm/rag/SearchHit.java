package dev.jllm.rag;

/** One ranked chunk: its score in the mode that ranked it (BM25, cosine similarity or RRF). */
public record SearchHit(Chunk chunk, double score) {}

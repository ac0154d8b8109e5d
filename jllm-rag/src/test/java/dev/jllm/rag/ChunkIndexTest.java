package dev.jllm.rag;

import dev.jllm.models.Encoder;
import dev.jllm.models.Pooling;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Lucene index with real MiniLM vectors: add, delete by source, reopen, modes, model check. */
class ChunkIndexTest {
    @TempDir Path dir;
    static Encoder enc;

    @BeforeAll
    static void load() throws Exception { enc = Encoder.miniLm(); }

    @Test
    void addDeleteReopenAndSearch() throws Exception {
        Path idx = dir.resolve("idx");
        try (ChunkIndex ix = ChunkIndex.open(idx, enc, true)) {
            ix.put("cats.txt", List.of(new Chunk("cats.txt", 0, 0, 40, "Cats are small domesticated felines that purr.")));
            ix.put("cars.txt", List.of(new Chunk("cars.txt", 0, 0, 40, "The engine of the automobile needs oil.")));
            ix.put("rain.txt", List.of(new Chunk("rain.txt", 0, 0, 40, "Heavy rainfall flooded the valley overnight.")));
            ix.commit();
            assertThat(ix.chunkCount()).isEqualTo(3);
            assertThat(ix.search("kitten pet", 1, SearchMode.DENSE).getFirst().chunk().source()).isEqualTo("cats.txt");
            assertThat(ix.search("engine oil", 1, SearchMode.BM25).getFirst().chunk().source()).isEqualTo("cars.txt");
            assertThat(ix.search("storm water flooding", 1, SearchMode.HYBRID).getFirst().chunk().source()).isEqualTo("rain.txt");
            ix.delete("cars.txt");
            ix.commit();
        }
        try (ChunkIndex ix = ChunkIndex.open(idx, enc, false)) {
            assertThat(ix.sources()).containsExactly("cats.txt", "rain.txt");
            assertThat(ix.search("engine oil", 5, SearchMode.BM25)).isEmpty();
            List<SearchHit> h = ix.search("cat", 2, SearchMode.HYBRID, (q, texts) -> new float[]{-1, 1}.length == texts.size()
                    ? new float[]{-1, 1} : new float[texts.size()]);
            assertThat(h).hasSize(2);
            assertThat(h.getFirst().score()).isEqualTo(1.0);
        }
    }

    @Test
    void clearErrors() throws Exception {
        assertThatThrownBy(() -> ChunkIndex.open(dir.resolve("none"), enc, false)).hasMessageContaining("no jllm index");
        Path idx = dir.resolve("i2");
        try (ChunkIndex ix = ChunkIndex.open(idx, enc, true)) {
            ix.put("a", List.of(new Chunk("a", 0, 0, 1, "a")));
            ix.commit();
        }
        Encoder other = new Encoder("other", enc.tokenizer(), enc.model(), Pooling.CLS, true, 128, null);
        assertThatThrownBy(() -> ChunkIndex.open(idx, other, false)).hasMessageContaining("built with model 'minilm'");
    }

    @Test
    void precomputedVectorsAndBm25OnlyChunks() throws Exception {
        try (ChunkIndex ix = ChunkIndex.open(dir.resolve("pre"), enc, true)) {
            List<Chunk> cats = List.of(new Chunk("cats.txt", 0, 0, 40, "Cats are small domesticated felines that purr."));
            ix.put("cats.txt", cats, enc.embed(List.of(cats.getFirst().text())));
            ix.put("cars.txt", List.of(new Chunk("cars.txt", 0, 0, 40, "The engine of the automobile needs oil.")), null);
            ix.commit();
            assertThat(ix.search("engine oil", 1, SearchMode.BM25).getFirst().chunk().source()).isEqualTo("cars.txt");
            // the BM25-only chunk has no vector, so dense search can only find the cat
            assertThat(ix.search("automobile engine", 5, SearchMode.DENSE)).extracting(h -> h.chunk().source()).containsExactly("cats.txt");
            assertThatThrownBy(() -> ix.put("x", cats, new float[][] {new float[3]})).hasMessageContaining("has 3 dims");
            assertThatThrownBy(() -> ix.put("x", cats, new float[0][])).hasMessageContaining("1 chunks but 0 vectors");
        }
    }
}

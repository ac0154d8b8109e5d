package dev.jllm.rag;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Chunk boundaries on hand-built documents; tokens counted as whitespace words. */
class ChunkerTest {
    static int words(String s) { return s.isBlank() ? 0 : s.strip().split("\\s+").length; }

    @Test
    void packsSentencesWithOverlapAndExactOffsets() {
        String text = "One two three. Four five six. Seven eight nine. Ten eleven twelve.";
        List<Chunk> c = new Chunker(ChunkerTest::words, 6, 3).chunk("a.txt", text);
        assertThat(c).extracting(Chunk::text).containsExactly(
                "One two three. Four five six.", "Four five six. Seven eight nine.", "Seven eight nine. Ten eleven twelve.");
        for (Chunk ch : c) assertThat(text.substring(ch.start(), ch.end())).isEqualTo(ch.text());
        assertThat(c).extracting(Chunk::ordinal).containsExactly(0, 1, 2);
    }

    @Test
    void headingsStartChunksAndCodeBlocksStayWhole() {
        String text = "# Title\n\nIntro words here.\n\n## Usage\n\n```\ncode line one\ncode line two\n```\n\nAfter code.";
        List<Chunk> c = new Chunker(ChunkerTest::words, 50, 0).chunk("d.md", text);
        assertThat(c).extracting(Chunk::text).containsExactly(
                "# Title\n\nIntro words here.", "## Usage\n\n```\ncode line one\ncode line two\n```\n\nAfter code.");
    }

    @Test
    void emptyTextHasNoChunks() {
        assertThat(new Chunker(ChunkerTest::words, 5, 1).chunk("e", " \n\n ")).isEmpty();
    }

    @Test
    void rrfMatchesTheFormula() {
        Chunk a = new Chunk("s", 0, 0, 1, "a"), b = new Chunk("s", 1, 0, 1, "b"), c = new Chunk("s", 2, 0, 1, "c");
        List<SearchHit> fused = ChunkIndex.fuse(List.of(new SearchHit(a, 9), new SearchHit(b, 8)),
                List.of(new SearchHit(c, .9), new SearchHit(a, .8)));
        assertThat(fused.get(0).chunk()).isEqualTo(a);
        assertThat(fused.get(0).score()).isEqualTo(1.0 / 61 + 1.0 / 62);
        assertThat(fused.get(1).chunk()).isEqualTo(c);
        assertThat(fused.get(1).score()).isEqualTo(1.0 / 61);
    }
}

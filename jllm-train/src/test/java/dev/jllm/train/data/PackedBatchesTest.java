package dev.jllm.train.data;

import dev.jllm.nn.TrainableLM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PackedBatchesTest {
    @TempDir Path dir;

    private TokenDataset dataset(int[]... docs) throws IOException {
        TokenShardWriter w = new TokenShardWriter(dir, "train", 100, 1 << 20);
        for (int[] d : docs) w.add(d);
        w.finish();
        return TokenDataset.open(dir, "train");
    }

    @Test
    void oneDocumentPacksWithSeparatorAndShiftedTargets() throws IOException {
        try (TokenDataset d = dataset(new int[]{11, 12, 13, 14, 15, 16, 17})) {
            // stream: 0 11 12 13 14 15 16 17 (EOS = 0), windows of 3 + 1 advancing by 3
            PackedBatches p = new PackedBatches(d, 0, 2, 3, 42);
            Batch b = p.next();
            assertThat(b.inputs()).containsExactly(0, 11, 12, 13, 14, 15);
            assertThat(b.targets()).containsExactly(11, 12, 13, 14, 15, 16);
            assertThat(b.docIds()).containsExactly(0, 0, 0, 0, 0, 0);
            // offset 6: 6 + 4 > 8, so epoch 1 starts over
            Batch c = p.next();
            assertThat(c.inputs()).containsExactly(0, 11, 12, 13, 14, 15);
            assertThat(p.position()).isEqualTo(new PackedBatches.Position(1, 6));
        }
    }

    @Test
    void documentsFollowTheSeededPermutationWithIdsPerToken() throws IOException {
        int[][] docs = {{1, 2, 3}, {4, 5}, {6, 7, 8, 9}};
        try (TokenDataset d = dataset(docs)) {
            int[] order = Shuffle.permutation(3, 7, 0);
            List<Integer> stream = new ArrayList<>(), ids = new ArrayList<>();
            for (int k : order) {
                stream.add(0);
                ids.add(k);
                for (int t : docs[k]) {
                    stream.add(t);
                    ids.add(k);
                }
            }
            PackedBatches p = new PackedBatches(d, 0, 1, 4, 7);
            for (int w = 0; w + 5 <= stream.size(); w += 4) {
                Batch b = p.next();
                for (int i = 0; i < 4; i++) {
                    assertThat(b.inputs()[i]).isEqualTo(stream.get(w + i));
                    assertThat(b.targets()[i]).isEqualTo(stream.get(w + i + 1));
                    assertThat(b.docIds()[i]).isEqualTo(ids.get(w + i));
                }
            }
        }
    }

    @Test
    void seekingToASavedPositionReplaysTheSameBatches() throws IOException {
        int[][] docs = new int[20][];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = new int[3 + i % 5];
            Arrays.fill(docs[i], i + 1);
        }
        try (TokenDataset d = dataset(docs)) {
            PackedBatches a = new PackedBatches(d, 0, 3, 5, 99);
            for (int i = 0; i < 7; i++) a.next();
            PackedBatches.Position saved = a.position();
            List<int[]> expected = new ArrayList<>();
            for (int i = 0; i < 9; i++) expected.add(a.next().inputs());
            PackedBatches b = new PackedBatches(d, 0, 3, 5, 99);
            b.seek(saved);
            for (int[] e : expected) assertThat(b.next().inputs()).isEqualTo(e);
            // the epochs really are shuffled differently
            assertThat(Shuffle.permutation(20, 99, 0)).isNotEqualTo(Shuffle.permutation(20, 99, 1));
        }
    }

    @Test
    void permutationsAreDeterministicPermutations() {
        int[] p = Shuffle.permutation(1000, 5, 3);
        assertThat(p).isEqualTo(Shuffle.permutation(1000, 5, 3));
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertThat(sorted[i]).isEqualTo(i);
    }

    @Test
    void validationScoresEveryTokenOnceAndPadsTheTail() throws IOException {
        try (TokenDataset d = dataset(new int[]{1, 2, 3}, new int[]{4, 5})) {
            // stream: 0 1 2 3 0 4 5 -> 6 predictions; windows of 4: [0 1 2 3 -> 1 2 3 0], [0 4 pad pad -> 4 5 ign ign]
            List<Batch> v = ValidationBatches.of(d, 0, 8, 4, 1000);
            assertThat(v).hasSize(1);
            Batch b = v.getFirst();
            assertThat(b.rows()).isEqualTo(2);
            int I = TrainableLM.IGNORE;
            assertThat(b.inputs()).containsExactly(0, 1, 2, 3, 0, 4, 0, 0);
            assertThat(b.targets()).containsExactly(1, 2, 3, 0, 4, 5, I, I);
            assertThat(b.docIds()).containsExactly(0, 0, 0, 0, 1, 1, -1, -1);
            assertThat(b.countedTargets()).isEqualTo(6);
        }
    }

    @Test
    void tooLittleDataIsAClearError() throws IOException {
        try (TokenDataset d = dataset(new int[]{1, 2})) {
            assertThatThrownBy(() -> new PackedBatches(d, 0, 1, 8, 1)).hasMessageContaining("fewer than one window");
        }
    }
}

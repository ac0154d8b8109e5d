package dev.jllm.train.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenShardTest {
    @TempDir Path dir;

    @Test
    void uint16LayoutIsTheDocumentedOne() throws IOException {
        TokenShardWriter w = new TokenShardWriter(dir, "train", 1000, 1 << 20);
        w.add(new int[]{7, 999, 0});
        w.add(new int[]{});
        w.add(new int[]{65});
        List<Path> files = w.finish();
        assertThat(files).hasSize(1);
        // Expected bytes written out by hand from the format description.
        ByteBuffer b = ByteBuffer.allocate(40 + 8 * 4 + 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("JLLMTOK1".getBytes()).putInt(1).putInt(2).putInt(1000).putInt(0).putLong(4).putLong(3);
        b.putLong(0).putLong(3).putLong(3).putLong(4);
        b.putShort((short) 7).putShort((short) 999).putShort((short) 0).putShort((short) 65);
        assertThat(Files.readAllBytes(files.getFirst())).isEqualTo(b.array());
        try (TokenShard s = TokenShard.open(files.getFirst())) {
            assertThat(s.documents()).isEqualTo(3);
            assertThat(s.document(0)).containsExactly(7, 999, 0);
            assertThat(s.document(1)).isEmpty();
            assertThat(s.document(2)).containsExactly(65);
        }
    }

    @Test
    void largeVocabulariesUseUint32AndShardsSplitAtDocuments() throws IOException {
        TokenShardWriter w = new TokenShardWriter(dir, "train", 100_000, 5);
        w.add(new int[]{99_999, 65_536, 1});
        w.add(new int[]{2, 3});
        w.add(new int[]{4, 5, 6});
        List<Path> files = w.finish();
        assertThat(files).hasSize(2);
        try (TokenDataset d = TokenDataset.open(dir, "train")) {
            assertThat(d.documents()).isEqualTo(3);
            assertThat(d.tokens()).isEqualTo(8);
            assertThat(d.document(0)).containsExactly(99_999, 65_536, 1);
            assertThat(d.document(2)).containsExactly(4, 5, 6);
        }
        assertThat(Files.size(files.getFirst())).isEqualTo(40 + 8 * 3 + 4 * 5);
    }

    @Test
    void corruptShardsAreRejectedWithTheOffset() throws IOException {
        TokenShardWriter w = new TokenShardWriter(dir, "x", 50, 100);
        w.add(new int[]{1, 2, 3});
        Path f = w.finish().getFirst();
        byte[] good = Files.readAllBytes(f);

        byte[] magic = good.clone();
        magic[3] = 'X';
        Files.write(f, magic);
        assertThatThrownBy(() -> TokenShard.open(f)).hasMessageContaining("bad magic at offset 3");

        Files.write(f, java.util.Arrays.copyOf(good, good.length - 2));
        assertThatThrownBy(() -> TokenShard.open(f)).hasMessageContaining("header says");

        byte[] token = good.clone();
        token[good.length - 2] = 60; // last token = 60 >= vocab 50
        Files.write(f, token);
        assertThatThrownBy(() -> TokenShard.open(f)).hasMessageContaining("token id 60 >= vocabulary 50")
                .hasMessageContaining("offset " + (good.length - 2));

        assertThatThrownBy(() -> new TokenShardWriter(dir, "y", 50, 100).add(new int[]{50}))
                .hasMessageContaining("token id 50 at position 0 is outside the vocabulary of 50");
    }
}

package dev.jllm.engine.batch;

import dev.jllm.models.PagedKvCache;
import dev.jllm.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The block manager on its own: allocation, reference counts, copy-on-write, prefix cache, LRU eviction. */
class KvBlockPoolTest {

    @Test
    void allocatesEveryBlockOnceThenRunsDryAndFreedBlocksComeBack() {
        KvBlockPool p = new KvBlockPool(4, 2, false);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 4; i++) got.add(p.allocate());
        assertThat(got).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(p.allocate()).isEqualTo(-1);
        assertThat(p.used()).isEqualTo(4);
        p.release(2);
        assertThat(p.available()).isEqualTo(1);
        assertThat(p.allocate()).isEqualTo(2);
    }

    @Test
    void resetForgetsEveryCachedPrefixAndTheCountersButNeverABlockInUse() {
        KvBlockPool p = new KvBlockPool(3, 2, true);
        int[] tokens = {1, 2, 3, 4};
        int b = p.allocate();
        long h = p.chainHash(0, tokens, 0);
        p.register(b, h, 0, tokens, 0);
        assertThatThrownBy(p::reset).isInstanceOf(IllegalStateException.class).hasMessageContaining("1 blocks are still in use");
        p.release(b);
        assertThat(p.lookup(h, 0, tokens, 0)).isEqualTo(b);
        p.release(b);
        assertThat(p.cached()).isEqualTo(1);
        assertThat(p.hits()).isEqualTo(1);
        p.reset();
        assertThat(p.cached()).isZero();
        assertThat(p.available()).isEqualTo(3);
        assertThat(p.isCached(b)).isFalse();
        assertThat(p.lookups()).isZero();
        assertThat(p.lookup(h, 0, tokens, 0)).as("the prefix is gone").isEqualTo(-1);
        Set<Integer> got = new HashSet<>();
        for (int i = 0; i < 3; i++) got.add(p.allocate());
        assertThat(got).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void aSharedBlockIsFreedOnlyByItsLastReference() {
        KvBlockPool p = new KvBlockPool(2, 2, false);
        int b = p.allocate();
        p.retain(b);
        assertThat(p.refCount(b)).isEqualTo(2);
        p.release(b);
        assertThat(p.available()).isEqualTo(1);
        p.release(b);
        assertThat(p.available()).isEqualTo(2);
        assertThatThrownBy(() -> p.release(b)).isInstanceOf(IllegalStateException.class).hasMessageContaining("released more often");
        assertThatThrownBy(() -> p.retain(b)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not in use");
    }

    @Test
    void writingASharedBlockCopiesItAndLeavesTheOriginalToTheOtherHolder() {
        PagedKvCache cache = new PagedKvCache(2, 3, 2, 1, 4, DType.F32);
        KvBlockPool p = new KvBlockPool(3, 2, false);
        int b = p.allocate();
        float[] row = {1, 2, 3, 4};
        // what a layer would hold: write slot 0 of block b in both layers through the package-visible stores
        cache.copyBlock(b, b); // no-op copy must be harmless
        writeRow(cache, b, 0, row);
        p.retain(b); // a second sequence shares it
        int mine = p.writable(b, cache);
        assertThat(mine).isNotEqualTo(b);
        assertThat(p.refCount(b)).isEqualTo(1);
        assertThat(p.refCount(mine)).isEqualTo(1);
        assertThat(readRow(cache, mine, 0)).containsExactly(row);
        // an unshared block is written in place
        assertThat(p.writable(mine, cache)).isEqualTo(mine);
        // no block left for a copy: -1, nothing changes
        int other = p.allocate();
        p.retain(other);
        assertThat(p.writable(other, cache)).isEqualTo(-1);
        assertThat(p.refCount(other)).isEqualTo(2);
    }

    @Test
    void aFullPrefixBlockIsFoundByItsChainHashAndOnlyWithTheSameParent() {
        KvBlockPool p = new KvBlockPool(4, 2, true);
        int[] toks = {5, 6, 7, 8};
        int b0 = p.allocate(), b1 = p.allocate();
        long h0 = p.chainHash(0, toks, 0), h1 = p.chainHash(h0, toks, 2);
        p.register(b0, h0, 0, toks, 0);
        p.register(b1, h1, h0, toks, 2);
        assertThat(p.lookup(h0, 0, toks, 0)).isEqualTo(b0);
        assertThat(p.refCount(b0)).isEqualTo(2);
        assertThat(p.lookup(h1, h0, toks, 2)).isEqualTo(b1);
        // same tokens after a different prefix: another hash, a miss
        int[] other = {9, 9, 7, 8};
        long g0 = p.chainHash(0, other, 0);
        assertThat(p.chainHash(g0, other, 2)).isNotEqualTo(h1);
        assertThat(p.lookup(p.chainHash(g0, other, 2), g0, other, 2)).isEqualTo(-1);
        // a forged hash with other tokens is rejected by the token check
        assertThat(p.lookup(h0, 0, other, 0)).isEqualTo(-1);
        assertThat(p.lookups()).isEqualTo(4);
        assertThat(p.hits()).isEqualTo(2);
    }

    @Test
    void releasedCachedBlocksStayFindableUntilEvictedLeastRecentlyReleasedFirst() {
        KvBlockPool p = new KvBlockPool(3, 1, true);
        int[] t = {1, 2, 3};
        int a = p.allocate(), b = p.allocate(), c = p.allocate();
        long ha = p.chainHash(0, t, 0), hb = p.chainHash(0, t, 1), hc = p.chainHash(0, t, 2);
        p.register(a, ha, 0, t, 0);
        p.register(b, hb, 0, t, 1);
        p.register(c, hc, 0, t, 2);
        p.release(b);
        p.release(a);
        p.release(c);
        assertThat(p.cached()).isEqualTo(3);
        assertThat(p.available()).isEqualTo(3);
        assertThat(p.used()).isZero();
        // a hit revives a cached block
        assertThat(p.lookup(ha, 0, t, 0)).isEqualTo(a);
        assertThat(p.cached()).isEqualTo(2);
        // allocation evicts b (released first), then c
        assertThat(p.allocate()).isEqualTo(b);
        assertThat(p.lookup(hb, 0, t, 1)).isEqualTo(-1);
        assertThat(p.allocate()).isEqualTo(c);
        assertThat(p.allocate()).isEqualTo(-1);
        assertThat(p.isCached(a)).isTrue();
        assertThat(p.isCached(b)).isFalse();
    }

    @Test
    void aSecondBlockWithAnAlreadyCachedPrefixIsNotRegisteredAndFreesNormally() {
        KvBlockPool p = new KvBlockPool(2, 2, true);
        int[] t = {4, 4};
        int a = p.allocate(), b = p.allocate();
        long h = p.chainHash(0, t, 0);
        p.register(a, h, 0, t, 0);
        p.register(b, h, 0, t, 0);
        assertThat(p.isCached(b)).isFalse();
        p.release(b);
        assertThat(p.cached()).isZero();
        assertThat(p.available()).isEqualTo(1);
    }

    @Test
    void withPrefixCachingOffNothingIsCachedOrFound() {
        KvBlockPool p = new KvBlockPool(2, 2, false);
        int[] t = {1, 2};
        int a = p.allocate();
        long h = p.chainHash(0, t, 0);
        p.register(a, h, 0, t, 0);
        assertThat(p.lookup(h, 0, t, 0)).isEqualTo(-1);
        p.release(a);
        assertThat(p.cached()).isZero();
    }

    static void writeRow(PagedKvCache c, int block, int slot, float[] row) {
        for (int l = 0; l < c.layers(); l++) {
            c.keys(l).write(block, slot, row, 0);
            c.values(l).write(block, slot, row, 0);
        }
    }

    static float[] readRow(PagedKvCache c, int block, int slot) {
        float[] out = new float[4];
        c.values(c.layers() - 1).read(block, slot, 0, out, 0);
        return out;
    }
}

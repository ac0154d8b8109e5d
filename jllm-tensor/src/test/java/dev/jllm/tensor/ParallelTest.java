package dev.jllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceWithGrainAlignedRanges() {
        Random r = new Random(3);
        for (int trial = 0; trial < 2_000; trial++) {
            int n = 1 + r.nextInt(300), grain = 1 + r.nextInt(17);
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            Parallel.forRange(n, grain, (s, e) -> {
                assertThat(s % grain).isZero();
                for (int i = s; i < e; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("n=%d grain=%d i=%d", n, grain, i).isEqualTo(1);
        }
    }

    @Test
    void aFailureInAnyRangeReachesTheCallerAndTheTeamStaysUsable() {
        assertThatThrownBy(() -> Parallel.forRange(1_000, (s, e) -> {
            if (e == 1_000) throw new IllegalStateException("last range");
        })).isInstanceOf(IllegalStateException.class).hasMessage("last range");
        int[] sum = new int[1];
        Parallel.forRange(10, 10, (s, e) -> sum[0] += e - s);
        assertThat(sum[0]).isEqualTo(10);
    }

    @Test
    void nestedCallsRunSeriallyInsideTheOuterRange() {
        AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
        Parallel.forRange(64, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = i;
                Parallel.forRange(64, (a, b) -> { for (int j = a; j < b; j++) hits.incrementAndGet(row * 64 + j); });
            }
        });
        for (int i = 0; i < hits.length(); i++) assertThat(hits.get(i)).isEqualTo(1);
    }
}

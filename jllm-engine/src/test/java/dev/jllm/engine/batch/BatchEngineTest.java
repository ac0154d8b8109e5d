package dev.jllm.engine.batch;

import dev.jllm.engine.Generator;
import dev.jllm.engine.SamplingParams;
import dev.jllm.formats.gguf.GgufFile;
import dev.jllm.models.Llama;
import dev.jllm.tensor.DType;
import dev.jllm.tokenizer.Tokenizer;
import dev.jllm.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine on the tiny reference Llama: outputs against PyTorch's greedy continuation and
 * logits (tools/models/llama_reference.py) and against the single-sequence {@link Generator};
 * scheduling (admission, chunked prefill, preemption, prefix cache, cancellation) driven step by step.
 */
class BatchEngineTest {
    static final Path DIR = Path.of("../jllm-models/src/test/resources/models/llama-tiny");
    static GgufFile file;
    static Llama model;
    static Tokenizer tok;
    static int[] prompt, greedy;
    static float[] lastPromptLogits; // PyTorch's logits after the prompt

    @BeforeAll
    static void load() throws Exception {
        file = GgufFile.open(DIR.resolve("model.gguf"));
        model = Llama.fromGguf(file);
        tok = Tokenizers.fromGgufMetadata(file.metadata());
        try (BufferedReader in = Files.newBufferedReader(DIR.resolve("golden.txt"))) {
            prompt = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            greedy = Arrays.stream(in.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            in.readLine();
            String last = null;
            for (String line; (line = in.readLine()) != null; ) last = line;
            String[] p = last.trim().split(" ");
            lastPromptLogits = new float[p.length];
            for (int i = 0; i < p.length; i++) lastPromptLogits[i] = Float.parseFloat(p[i]);
        }
    }

    @AfterAll
    static void close() { file.close(); }

    static EngineConfig small() {
        return EngineConfig.defaults().withMaxRunning(4).withMaxQueue(64).withContextLength(128).withKvBlocks(64)
                .withBlockSize(4).withKvType(DType.F32).withStepTokenBudget(16);
    }

    /** Steps an unstarted engine until every handle is done. */
    static void drain(BatchEngine e, List<RequestHandle> hs) {
        for (int i = 0; i < 10_000 && !hs.stream().allMatch(RequestHandle::isDone); i++) e.step();
        assertThat(hs).allMatch(RequestHandle::isDone);
    }

    static Completion done(RequestHandle h) throws Exception { return h.completion().get(60, TimeUnit.SECONDS); }

    /** Collects streamed text the way a server would: token pieces, then the tail. */
    static final class Streamed implements TokenListener {
        final StringBuilder text = new StringBuilder();
        final List<TokenEvent> events = new ArrayList<>();
        @Override public void onToken(TokenEvent e) { events.add(e); text.append(e.text()); }
        @Override public void onComplete(Completion c) { text.append(c.tailText()); }
    }

    @Test
    void concurrentGreedyRequestsOnTheEngineThreadEachMatchPyTorch() throws Exception {
        for (DType kv : List.of(DType.F32, DType.F16, DType.Q8_0)) {
            try (BatchEngine e = new BatchEngine(model, tok, small().withKvType(kv)).start()) {
                List<RequestHandle> hs = new ArrayList<>();
                List<Streamed> streams = new ArrayList<>();
                for (int i = 0; i < (kv == DType.F32 ? 5 : 2); i++) {
                    Streamed s = new Streamed();
                    streams.add(s);
                    hs.add(e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), greedy.length), s));
                }
                for (int i = 0; i < hs.size(); i++) {
                    Completion c = done(hs.get(i));
                    assertThat(c.tokenIds()).as("KV %s request %d", kv, i).containsExactly(greedy);
                    assertThat(c.reason()).isEqualTo(FinishReason.LENGTH);
                    assertThat(c.usage()).isEqualTo(new Usage(prompt.length, greedy.length, c.usage().cachedPromptTokens()));
                    assertThat(streams.get(i).text.toString()).isEqualTo(c.text()).isEqualTo(tok.decode(greedy));
                    assertThat(streams.get(i).events).extracting(TokenEvent::index).containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, greedy.length).boxed().toList());
                }
                assertThat(e.stats().kvBlocksUsed()).isZero();
            }
        }
    }

    @Test
    void warmUpRunsTokensThenLeavesTheEngineAsNewAndItsAnswersUnchanged() throws Exception {
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            long tokens = e.warmUp(3, 60_000);
            assertThat(tokens).as("3 rounds of 4 streams, 16 generated each, one 96-token prompt").isGreaterThan(3 * (96 + 3 * 12));
            EngineStats s = e.stats();
            assertThat(List.of(s.completed(), s.steps(), s.generatedTokens(), s.promptTokens(), s.prefixLookups(), s.prefixHits(), s.rejected()))
                    .containsOnly(0L);
            assertThat(s.kvBlocksUsed()).isZero();
            assertThat(s.kvBlocksCached()).as("throwaway prompts leave no cached prefix").isZero();
            e.start();
            RequestHandle h = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), greedy.length), null);
            assertThat(done(h).tokenIds()).containsExactly(greedy);
            assertThat(e.stats().completed()).isEqualTo(1);
            assertThatThrownBy(() -> e.warmUp(1, 1000)).isInstanceOf(IllegalStateException.class).hasMessageContaining("before start()");
        }
    }

    @Test
    void cancelAllEndsQueuedAndRunningRequestsBeforeStart() throws Exception {
        try (BatchEngine e = new BatchEngine(model, tok, small().withMaxRunning(1))) {
            RequestHandle running = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 20), null);
            RequestHandle queued = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 20), null);
            e.step();
            assertThat(e.stats().running()).isEqualTo(1);
            assertThat(e.stats().queued()).isEqualTo(1);
            e.cancelAll();
            assertThat(done(running).reason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(done(queued).reason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(e.stats().kvBlocksUsed()).isZero();
            assertThat(e.stats().queued()).isZero();
            e.start();
            assertThatThrownBy(e::cancelAll).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void warmUpStopsAtItsTimeBudget() {
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            long t0 = System.nanoTime();
            e.warmUp(1_000_000, 50);
            assertThat((System.nanoTime() - t0) / 1e6).as("a million rounds cut short by a 50 ms budget").isLessThan(30_000);
            assertThat(e.stats().kvBlocksUsed()).isZero();
        }
    }

    @Test
    void sampledRequestsSideBySideEqualTheSingleSequenceGeneratorWithTheSameSeeds() throws Exception {
        Generator gen = new Generator(model, tok);
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            List<RequestHandle> hs = new ArrayList<>();
            List<int[]> want = new ArrayList<>();
            for (int seed = 0; seed < 3; seed++) {
                SamplingParams p = new SamplingParams(0.9f, 40, 0.95f, 0f, 1.1f, 0.2f, 0.1f, 100 + seed);
                int[] pr = Arrays.copyOf(prompt, prompt.length - seed); // different lengths and positions
                want.add(gen.generate(new Generator.Request(pr, 12, p, List.of(), new int[0], false), s -> { }).ids());
                hs.add(e.submit(GenerationRequest.of(pr, p, 12), null));
            }
            drain(e, hs);
            for (int i = 0; i < hs.size(); i++) assertThat(done(hs.get(i)).tokenIds()).as("seed %d", i).containsExactly(want.get(i));
        }
    }

    @Test
    void stopStringsAndStopIdsEndARequestAndAreNeverStreamed() throws Exception {
        String full = tok.decode(greedy);
        String stop = full.substring(10, 14);
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            Streamed a = new Streamed(), b = new Streamed();
            RequestHandle ha = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 32).withStops(List.of("zzz", stop)), a);
            RequestHandle hb = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 32).withStopIds(greedy[3]), b);
            drain(e, List.of(ha, hb));
            Completion ca = done(ha), cb = done(hb);
            assertThat(ca.reason()).isEqualTo(FinishReason.STOP);
            assertThat(ca.text()).isEqualTo(full.substring(0, full.indexOf(stop)));
            assertThat(a.text.toString()).isEqualTo(ca.text()).doesNotContain(stop);
            assertThat(cb.reason()).isEqualTo(FinishReason.STOP);
            assertThat(cb.tokenIds()).containsExactly(Arrays.copyOf(greedy, 3));
            assertThat(b.text.toString()).isEqualTo(tok.decode(Arrays.copyOf(greedy, 3)));
        }
    }

    @Test
    void logprobsAreTheLogSoftmaxOfPyTorchsLogits() throws Exception {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float x : lastPromptLogits) max = Math.max(max, x);
        for (float x : lastPromptLogits) sum += Math.exp(x - max);
        double lse = max + Math.log(sum);
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            Streamed s = new Streamed();
            RequestHandle h = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 3).withLogprobs(5), s);
            drain(e, List.of(h));
            TokenEvent first = s.events.get(0);
            assertThat(first.tokenId()).isEqualTo(greedy[0]);
            assertThat(first.logprob()).isCloseTo((float) (lastPromptLogits[greedy[0]] - lse), org.assertj.core.data.Offset.offset(1e-3f));
            assertThat(first.topLogprobs()).hasSize(5);
            assertThat(first.topLogprobs().get(0).tokenId()).isEqualTo(greedy[0]);
            Integer[] order = java.util.stream.IntStream.range(0, lastPromptLogits.length).boxed()
                    .sorted((x, y) -> Float.compare(lastPromptLogits[y], lastPromptLogits[x])).toArray(Integer[]::new);
            for (int k = 0; k < 5; k++) {
                assertThat(first.topLogprobs().get(k).tokenId()).isEqualTo(order[k]);
                assertThat(first.topLogprobs().get(k).logprob())
                        .isCloseTo((float) (lastPromptLogits[order[k]] - lse), org.assertj.core.data.Offset.offset(1e-3f));
            }
            Streamed plain = new Streamed();
            RequestHandle h2 = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 1), plain);
            drain(e, List.of(h2));
            assertThat(plain.events.get(0).logprob()).isNaN();
            assertThat(plain.events.get(0).topLogprobs()).isEmpty();
        }
    }

    @Test
    void aTokenMaskRestrictsEveryStepAndAnEmptyMaskIsAnError() throws Exception {
        Set<Integer> allowed = Set.of(17, 42, 99, 100);
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            List<int[]> seen = new ArrayList<>();
            RequestHandle ok = e.submit(GenerationRequest.of(prompt, SamplingParams.defaults(3), 12).withMask((gen, n, bits) -> {
                seen.add(Arrays.copyOf(gen, n));
                for (int i = 0; i < bits.length(); i++) if (!allowed.contains(i)) bits.clear(i);
            }), null);
            RequestHandle none = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 12).withMask((gen, n, bits) -> bits.clear()), null);
            drain(e, List.of(ok, none));
            Completion c = done(ok);
            assertThat(Arrays.stream(c.tokenIds()).boxed().toList()).hasSize(12).allMatch(allowed::contains);
            assertThat(seen).hasSize(12);
            assertThat(seen.get(5)).containsExactly(Arrays.copyOf(c.tokenIds(), 5));
            Completion bad = done(none);
            assertThat(bad.reason()).isEqualTo(FinishReason.ERROR);
            assertThat(bad.error()).contains("allowed no token");
        }
    }

    @Test
    void atMostMaxRunningRunAndAFullQueueRejects() throws Exception {
        try (BatchEngine e = new BatchEngine(model, tok, small().withMaxRunning(2).withMaxQueue(3))) {
            List<RequestHandle> hs = new ArrayList<>();
            for (int i = 0; i < 3; i++) hs.add(e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 5), null));
            assertThatThrownBy(() -> e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 5), null))
                    .isInstanceOf(QueueFullException.class).hasMessageContaining("queue is full");
            assertThat(e.stats().rejected()).isEqualTo(1);
            e.step();
            assertThat(e.stats().running()).isEqualTo(2);
            assertThat(e.stats().queued()).isEqualTo(1);
            hs.add(e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 5), null)); // room again
            while (!hs.stream().allMatch(RequestHandle::isDone)) {
                e.step();
                assertThat(e.stats().running()).isLessThanOrEqualTo(2);
            }
            for (RequestHandle h : hs) assertThat(done(h).tokenIds()).containsExactly(Arrays.copyOf(greedy, 5));
        }
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileOthersKeepDecoding() throws Exception {
        try (BatchEngine e = new BatchEngine(model, tok, small().withStepTokenBudget(8).withPrefixCaching(false))) {
            Streamed dec = new Streamed();
            RequestHandle hd = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 30), dec);
            e.step(); // prompt of 8 = the whole budget
            e.step();
            assertThat(dec.events).hasSize(2);
            int[] longPrompt = new SplittableRandom(1).ints(60, 0, model.vocabSize()).toArray();
            Streamed lp = new Streamed();
            RequestHandle hl = e.submit(GenerationRequest.of(longPrompt, SamplingParams.greedy(), 4), lp);
            int steps = 0;
            while (lp.events.isEmpty()) {
                int before = dec.events.size();
                e.step();
                steps++;
                assertThat(dec.events.size()).as("the decoding request got a token in step %d", steps).isEqualTo(before + 1);
            }
            assertThat(steps).isEqualTo((60 + 6) / 7); // 7 prompt tokens a step beside one decode
            drain(e, List.of(hd, hl));
            assertThat(done(hd).tokenIds()).containsExactly(Arrays.copyOf(greedy, 30));
            // the chunked prompt continues as the single-sequence generator continues it
            int[] want = new Generator(model, tok).generate(new Generator.Request(longPrompt, 4, SamplingParams.greedy(),
                    List.of(), new int[0], false), s -> { }).ids();
            assertThat(done(hl).tokenIds()).containsExactly(want);
        }
    }

    @Test
    void whenBlocksRunOutTheYoungestIsPreemptedAndResumesWithTheSameOutput() throws Exception {
        // 3 requests of 8 + 32 tokens need 10 blocks each; the pool has 16.
        for (boolean prefix : new boolean[] {false, true}) {
            try (BatchEngine e = new BatchEngine(model, tok, small().withKvBlocks(16).withPrefixCaching(prefix))) {
                List<RequestHandle> hs = new ArrayList<>();
                for (int i = 0; i < 3; i++) hs.add(e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), greedy.length), null));
                drain(e, hs);
                assertThat(e.stats().preemptions()).as("prefix caching %s", prefix).isPositive();
                int preempted = 0;
                for (RequestHandle h : hs) {
                    Completion c = done(h);
                    assertThat(c.tokenIds()).containsExactly(greedy);
                    preempted += c.timings().preemptions();
                }
                assertThat((long) preempted).isEqualTo(e.stats().preemptions());
                assertThat(e.pool().used()).isZero();
            }
        }
    }

    @Test
    void aRepeatedPromptReusesCachedPrefixBlocks() throws Exception {
        int[] longer = new SplittableRandom(5).ints(23, 0, model.vocabSize()).toArray();
        try (BatchEngine e = new BatchEngine(model, tok, small())) {
            RequestHandle first = e.submit(GenerationRequest.of(longer, SamplingParams.greedy(), 6), null);
            drain(e, List.of(first));
            RequestHandle second = e.submit(GenerationRequest.of(longer, SamplingParams.greedy(), 6), null);
            drain(e, List.of(second));
            assertThat(done(first).usage().cachedPromptTokens()).isZero();
            assertThat(done(second).usage().cachedPromptTokens()).isEqualTo(20); // 5 full blocks of 4 (token 23 is recomputed)
            assertThat(done(second).tokenIds()).containsExactly(done(first).tokenIds());
            EngineStats s = e.stats();
            assertThat(s.prefixHits()).isEqualTo(5);
            assertThat(s.cachedPromptTokens()).isEqualTo(20);
            assertThat(s.kvBlocksCached()).isPositive();
            assertThat(s.kvBlocksUsed()).isZero();
        }
    }

    @Test
    void manyRandomSubmissionsAndCancellationsLeaveThePoolFullyFree() throws Exception {
        SplittableRandom rnd = new SplittableRandom(11);
        try (BatchEngine e = new BatchEngine(model, tok, small().withKvBlocks(40).withMaxRunning(5).withStepTokenBudget(12))) {
            List<RequestHandle> hs = new ArrayList<>();
            int[] shared = rnd.ints(12, 0, model.vocabSize()).toArray();
            for (int round = 0; round < 40; round++) {
                if (rnd.nextInt(3) > 0) {
                    int len = 1 + rnd.nextInt(30);
                    int[] p = rnd.ints(len, 0, model.vocabSize()).toArray();
                    if (rnd.nextBoolean()) System.arraycopy(shared, 0, p, 0, Math.min(len, shared.length)); // shared prefixes
                    SamplingParams sp = rnd.nextBoolean() ? SamplingParams.greedy() : SamplingParams.defaults(rnd.nextLong());
                    try {
                        hs.add(e.submit(GenerationRequest.of(p, sp, 1 + rnd.nextInt(24)).withStops(List.of("e t")), null));
                    } catch (QueueFullException full) {
                        // fine: the test is about leaks
                    }
                }
                if (!hs.isEmpty() && rnd.nextInt(4) == 0) hs.get(rnd.nextInt(hs.size())).cancel();
                for (int k = rnd.nextInt(4); k > 0; k--) e.step();
            }
            drain(e, hs);
            for (RequestHandle h : hs) assertThat(done(h).reason()).isIn(FinishReason.STOP, FinishReason.LENGTH, FinishReason.CANCELLED);
            assertThat(hs.stream().filter(h -> h.completion().join().reason() == FinishReason.CANCELLED)).isNotEmpty();
            e.step();
            EngineStats s = e.stats();
            assertThat(s.kvBlocksUsed()).isZero();
            assertThat(s.kvBlocksFree()).isEqualTo(s.kvBlocksTotal());
            assertThat(s.running()).isZero();
            assertThat(s.queued()).isZero();
            assertThat(s.completed()).isEqualTo(hs.size());
        }
    }

    @Test
    void cancellingFreesBlocksAtOnceAndCloseCancelsTheRest() throws Exception {
        BatchEngine e = new BatchEngine(model, tok, small().withMaxRunning(1));
        RequestHandle a = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 30), null);
        RequestHandle b = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 30), null);
        e.step();
        e.step();
        assertThat(e.stats().kvBlocksUsed()).isPositive();
        a.cancel();
        e.step(); // b is admitted in the same step a is dropped
        Completion ca = done(a);
        assertThat(ca.reason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(ca.tokenIds()).containsExactly(Arrays.copyOf(greedy, ca.tokenIds().length));
        assertThat(e.stats().running()).isEqualTo(1);
        RequestHandle c = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 30), null);
        e.close();
        assertThat(done(b).reason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(done(c).reason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(e.stats().kvBlocksUsed()).isZero();
        assertThatThrownBy(() -> e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 3), null))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void requestsThatCannotRunAreRefusedWithTheReason() {
        try (BatchEngine e = new BatchEngine(model, tok, small().withKvBlocks(8).withContextLength(64))) {
            assertThatThrownBy(() -> e.submit(GenerationRequest.of(new int[64], SamplingParams.greedy(), 1), null))
                    .hasMessageContaining("context of 64");
            assertThatThrownBy(() -> e.submit(GenerationRequest.of(new int[] {model.vocabSize()}, SamplingParams.greedy(), 1), null))
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> e.submit(GenerationRequest.of(new int[30], SamplingParams.greedy(), 30), null))
                    .hasMessageContaining("needs 15 KV blocks").hasMessageContaining("has 8");
            assertThatThrownBy(() -> GenerationRequest.of(new int[0], SamplingParams.greedy(), 1)).hasMessageContaining("empty");
            assertThatThrownBy(() -> GenerationRequest.of(new int[1], SamplingParams.greedy(), 1).withLogprobs(21))
                    .hasMessageContaining("top logprobs");
        }
    }

    @Test
    void maxTokensIsCappedByTheContextAndEndsWithLength() throws Exception {
        try (BatchEngine e = new BatchEngine(model, tok, small().withContextLength(12))) {
            RequestHandle h = e.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), 100), null);
            drain(e, List.of(h));
            assertThat(done(h).tokenIds()).containsExactly(Arrays.copyOf(greedy, 4));
            assertThat(done(h).reason()).isEqualTo(FinishReason.LENGTH);
        }
    }
}

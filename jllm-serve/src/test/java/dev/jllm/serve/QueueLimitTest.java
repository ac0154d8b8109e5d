package dev.jllm.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jllm.engine.SamplingParams;
import dev.jllm.engine.batch.EngineStats;
import dev.jllm.engine.batch.GenerationRequest;
import dev.jllm.engine.batch.RequestHandle;
import dev.jllm.engine.batch.TokenListener;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** --max-running 1 --max-queue 1: with one request running and one waiting, the next is refused with 429. */
class QueueLimitTest {
    @Test
    void fullQueueIs429() throws Exception {
        var engine = ServerFixture.engineConfig().withMaxRunning(1).withMaxQueue(1).withStepTokenBudget(64);
        try (ServerFixture fx = new ServerFixture(engine, ServerConfig.defaults().withPort(0), null)) {
            GenerationRequest slow = GenerationRequest.of(new int[]{5, 6, 7}, SamplingParams.greedy(), 900);
            RequestHandle first = fx.engine.submit(slow, TokenListener.NONE);
            long end = System.nanoTime() + 60_000_000_000L;
            while (fx.engine.stats().running() == 0 && System.nanoTime() < end) Thread.sleep(5);
            RequestHandle second = fx.engine.submit(slow, TokenListener.NONE);
            EngineStats s = fx.engine.stats();
            assertThat(s.running()).isEqualTo(1);
            assertThat(s.queued()).isEqualTo(1);
            HttpResponse<String> third = fx.post("/v1/completions", "{\"model\":\"tiny-chat\",\"prompt\":\"Hi\",\"max_tokens\":2}");
            JsonNode e = ServerApiTest.error(third, 429);
            assertThat(e.get("code").asText()).isEqualTo("queue_full");
            assertThat(third.headers().firstValue("retry-after")).isPresent();
            first.cancel();
            second.cancel();
            EngineStats idle = fx.awaitIdle(Duration.ofSeconds(30));
            assertThat(idle.kvBlocksUsed()).isZero();
            assertThat(idle.rejected()).isEqualTo(1);
            assertThat(fx.get("/metrics").body()).contains("jllm_requests_total{endpoint=\"/v1/completions\",status=\"429\"} 1");
        }
    }
}

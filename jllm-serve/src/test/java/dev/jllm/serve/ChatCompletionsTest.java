package dev.jllm.serve;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import dev.jllm.engine.Generator;
import dev.jllm.engine.SamplingParams;
import dev.jllm.models.CausalLM;
import dev.jllm.tokenizer.chat.ChatMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** /v1/chat/completions through the official OpenAI Java SDK against a live server. */
class ChatCompletionsTest {
    static ServerFixture fx;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        fx = ServerFixture.start();
        client = OpenAIOkHttpClient.builder().baseUrl(fx.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (fx != null) fx.close();
    }

    static ChatCompletionCreateParams.Builder greedy(String user, int maxTokens) {
        return ChatCompletionCreateParams.builder().model(ServerFixture.MODEL).addSystemMessage("You are terse.")
                .addUserMessage(user).maxCompletionTokens(maxTokens).temperature(0.0);
    }

    /** The single-sequence Generator on the same rendered prompt: what the server must reproduce at temperature 0. */
    static Generator.Result reference(String user, int maxTokens) {
        String prompt = fx.model.chatTemplate().render(List.of(ChatMessage.system("You are terse."), ChatMessage.user(user)), true);
        int[] ids = fx.model.tokenizer().encode(prompt, false, true);
        return new Generator(fx.model.model(), fx.model.tokenizer()).generate(
                new Generator.Request(ids, maxTokens, SamplingParams.greedy(), List.of(), fx.model.endIds(), false), s -> { });
    }

    @Test
    void greedyReplyEqualsTheSingleSequenceGenerator() {
        ChatCompletion c = client.chat().completions().create(greedy("Tell me about the river.", 24).build());
        Generator.Result ref = reference("Tell me about the river.", 24);
        c.validate(); // the SDK checks every required field and the object type
        assertThat(c._object_()).isEqualTo(JsonValue.from("chat.completion"));
        assertThat(c.model()).isEqualTo(ServerFixture.MODEL);
        assertThat(c.choices()).hasSize(1);
        ChatCompletion.Choice ch = c.choices().getFirst();
        assertThat(ch.message().content()).contains(ref.text());
        assertThat(ch.finishReason().asString()).isEqualTo(ref.finishReason() == Generator.FinishReason.LENGTH ? "length" : "stop");
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(ref.promptIds().length);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(ref.ids().length);
        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(ref.promptIds().length + ref.ids().length);
    }

    @Test
    void streamingDeltasAddUpToTheReplyAndEndWithUsage() {
        String whole = client.chat().completions().create(greedy("Say something about trains.", 20).build())
                .choices().getFirst().message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        long[] usageTokens = {-1};
        boolean[] sawRole = {false};
        ChatCompletionCreateParams p = greedy("Say something about trains.", 20)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            s.stream().forEach(chunk -> {
                chunk.validate();
                assertThat(chunk._object_()).isEqualTo(JsonValue.from("chat.completion.chunk"));
                chunk.usage().ifPresent(u -> usageTokens[0] = u.completionTokens());
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().role().ifPresent(r -> sawRole[0] = true);
                    ch.delta().content().ifPresent(streamed::append);
                    ch.finishReason().ifPresent(f -> finishes.add(f.asString()));
                }
            });
        }
        assertThat(sawRole[0]).isTrue();
        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(finishes).hasSize(1);
        assertThat(usageTokens[0]).isPositive();
    }

    @Test
    void nChoicesWithASeedDifferAndRepeat() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(ServerFixture.MODEL)
                .addUserMessage("Write a line.").maxCompletionTokens(12).temperature(1.0).n(3).seed(7).build();
        ChatCompletion a = client.chat().completions().create(p);
        ChatCompletion b = client.chat().completions().create(p);
        assertThat(a.choices()).hasSize(3);
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            assertThat(a.choices().get(i).index()).isEqualTo(i);
            texts.add(a.choices().get(i).message().content().orElse(""));
            assertThat(b.choices().get(i).message().content()).isEqualTo(a.choices().get(i).message().content());
        }
        assertThat(texts).hasSizeGreaterThan(1);
        assertThat(a.usage().orElseThrow().completionTokens()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void stopStringCutsTheReplyAndIsNotIncluded() {
        Generator.Result ref = reference("Tell me about the river.", 24);
        String text = ref.text();
        assertThat(text.length()).isGreaterThan(12);
        String stop = text.substring(8, 11);
        String expected = text.substring(0, text.indexOf(stop));
        ChatCompletion c = client.chat().completions().create(greedy("Tell me about the river.", 24)
                .stop(ChatCompletionCreateParams.Stop.ofStrings(List.of(stop, "qqqqzz"))).build());
        assertThat(c.choices().getFirst().message().content().orElseThrow()).isEqualTo(expected);
        assertThat(c.choices().getFirst().finishReason().asString()).isEqualTo("stop");
    }

    @Test
    void logprobsAreTheModelsLogSoftmax() {
        ChatCompletion c = client.chat().completions().create(greedy("Hello there.", 6).logprobs(true).topLogprobs(3).build());
        List<ChatCompletionTokenLogprob> lps = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(lps).hasSize((int) c.usage().orElseThrow().completionTokens());
        for (ChatCompletionTokenLogprob lp : lps) {
            assertThat(lp.topLogprobs()).hasSize(3);
            // greedy: the chosen token is the most likely one
            assertThat(lp.logprob()).isCloseTo(lp.topLogprobs().getFirst().logprob(), within(1e-6));
            assertThat(lp.topLogprobs().get(1).logprob()).isLessThanOrEqualTo(lp.topLogprobs().get(0).logprob());
        }
        // The first token's log-probability from the model's logits directly (log-softmax by hand).
        String prompt = fx.model.chatTemplate().render(List.of(ChatMessage.system("You are terse."), ChatMessage.user("Hello there.")), true);
        int[] ids = fx.model.tokenizer().encode(prompt, false, true);
        CausalLM m = fx.model.model();
        float[] logits = new float[m.vocabSize()];
        m.forward(ids, 0, ids.length, m.newState(ids.length + 1), logits, false);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : logits) max = Math.max(max, v);
        for (float v : logits) sum += Math.exp(v - max);
        double best = max - max - Math.log(sum);
        assertThat(lps.getFirst().logprob()).isCloseTo(best, within(1e-3));
    }
}

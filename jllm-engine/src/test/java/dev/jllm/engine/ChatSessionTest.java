package dev.jllm.engine;

import dev.jllm.tokenizer.chat.ChatMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Multi-turn chat on the tiny reference Llama: the cached path must equal a fresh prefill of the whole history. */
class ChatSessionTest {
    static LoadedModel lm;

    @BeforeAll
    static void open() throws Exception {
        lm = LoadedModel.open(Path.of("../jllm-models/src/test/resources/models/llama-tiny/model.gguf"));
    }

    @AfterAll
    static void close() { lm.close(); }

    /** The reply a fresh sequence gives to the rendered history (no cache reuse). */
    static int[] fresh(List<ChatMessage> messages, int n) {
        int[] prompt = lm.tokenizer().encode(lm.chatTemplate().render(messages, true), false, true);
        return new Generator(lm.model(), lm.tokenizer())
                .generate(new Generator.Request(prompt, n, SamplingParams.greedy(), List.of(), lm.endIds(), false), s -> { })
                .ids();
    }

    @Test
    void laterTurnsReuseTheCacheAndMatchAFreshPrefill() {
        ChatSession chat = new ChatSession(lm, "Terse.", SamplingParams.greedy(), 6, 1024, List.of());
        Generator.Result first = chat.reply("Hello there", s -> { });
        assertThat(chat.lastReusedTokens()).isZero();
        List<ChatMessage> h = new ArrayList<>(List.of(ChatMessage.system("Terse."), ChatMessage.user("Hello there")));
        assertThat(first.ids()).containsExactly(fresh(h, 6));

        StringBuilder streamed = new StringBuilder();
        Generator.Result second = chat.reply("And then?", streamed::append);
        assertThat(chat.lastReusedTokens()).isGreaterThan(10);
        assertThat(second.stats().promptTokens()).isGreaterThan(chat.lastReusedTokens());
        h.add(ChatMessage.assistant(first.text()));
        h.add(ChatMessage.user("And then?"));
        assertThat(second.ids()).containsExactly(fresh(h, 6));
        assertThat(streamed.toString()).isEqualTo(second.text());
        assertThat(chat.history()).hasSize(5);
    }

    @Test
    void resetForgetsTheHistoryButKeepsTheSystemPrompt() {
        ChatSession chat = new ChatSession(lm, "Be brief.", SamplingParams.greedy(), 6, 1024, List.of());
        chat.reply("One", s -> { });
        chat.reset();
        assertThat(chat.history()).containsExactly(ChatMessage.system("Be brief."));
        Generator.Result r = chat.reply("Two", s -> { });
        assertThat(r.ids()).containsExactly(fresh(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Two")), 6));
    }

    @Test
    void aMessageThatCannotFitSaysWhatToDo() {
        ChatSession chat = new ChatSession(lm, null, SamplingParams.greedy(), 8, 40);
        assertThatThrownBy(() -> chat.reply("word ".repeat(60), s -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shorter message").hasMessageContaining("40");
    }

    @Test
    void aLongConversationDropsItsOldestTurnsAndKeepsTheSystemPrompt() {
        ChatSession chat = new ChatSession(lm, "Terse.", SamplingParams.greedy(), 8, 96, List.of());
        int dropped = 0;
        Generator.Result r = null;
        for (int turn = 0; turn < 12; turn++) {
            r = chat.reply("Tell me more about turn " + turn, s -> { });
            assertThat(r.stats().promptTokens() + r.ids().length).isLessThanOrEqualTo(96);
            dropped += chat.lastDroppedTurns();
        }
        assertThat(dropped).isPositive();
        List<ChatMessage> h = chat.history();
        assertThat(h.getFirst()).isEqualTo(ChatMessage.system("Terse."));
        assertThat(h.get(h.size() - 2)).isEqualTo(ChatMessage.user("Tell me more about turn 11"));
        assertThat(h).doesNotContain(ChatMessage.user("Tell me more about turn 0"));
        // The cache, cut back to what the shortened history shares, gives a fresh run's reply.
        assertThat(r.ids()).containsExactly(fresh(h.subList(0, h.size() - 1), 8));
    }

    @Test
    void aReplyIsCutShortAtTheEndOfTheContext() {
        ChatSession chat = new ChatSession(lm, null, SamplingParams.greedy(), 200, 120, List.of());
        Generator.Result r = chat.reply("Hello", s -> { });
        assertThat(r.stats().promptTokens() + r.ids().length).isLessThanOrEqualTo(120);
    }

    @Test
    void aModelWithoutTemplateFallsBackToChatMl() {
        assertThat(lm.ownTemplate()).isFalse();
        assertThat(lm.chatTemplate().render(List.of(ChatMessage.user("hi")), true))
                .isEqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void plainTextRoleTemplatesStopAtABlankLineSpecialTokenTemplatesDoNot() {
        // llama-tiny has no <|im_start|> in its vocabulary: ChatML renders as plain text there.
        assertThat(ChatSession.defaultStops(lm)).containsExactly("\n\n");
    }
}

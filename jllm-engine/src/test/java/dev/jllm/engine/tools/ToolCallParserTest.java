package dev.jllm.engine.tools;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Hand-written outputs in each model family's tool-call format, parsed whole and streamed in random pieces. */
class ToolCallParserTest {
    record Case(ToolCallFormat format, String output, String content, List<String[]> calls) {}

    static String[] call(String name, String args) { return new String[]{name, args}; }

    static List<String[]> calls(String[]... cs) { return List.of(cs); }

    static final List<Case> CASES = List.of(
            new Case(ToolCallFormat.HERMES, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>",
                    "", calls(call("get_weather", "{\"city\": \"Paris\", \"unit\": \"c\"}"))),
            new Case(ToolCallFormat.HERMES, "Let me check.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"s\": \"}{\\\"\"}}\n</tool_call>\n"
                    + "<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>",
                    "Let me check.", calls(call("a", "{\"s\": \"}{\\\"\"}"), call("b", "{}"))),
            new Case(ToolCallFormat.HERMES, "<tool_call>{\"arguments\": {\"x\": 1}, \"name\": \"f\"}</tool_call> done",
                    "done", calls(call("f", "{\"x\":1}"))),
            new Case(ToolCallFormat.HERMES, "<tool_call>\n{\"name\":\"f\",\"arguments\":{\"k\":[1,2]}}", "", calls(call("f", "{\"k\":[1,2]}"))),
            new Case(ToolCallFormat.HERMES, "if a < b then <tool", "if a < b then <tool", calls()),
            new Case(ToolCallFormat.LLAMA3_JSON, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
                    "", calls(call("get_weather", "{\"city\": \"Paris\"}"))),
            new Case(ToolCallFormat.LLAMA3_JSON, "<|python_tag|>{\"name\": \"f\", \"parameters\": {\"a\": [1, 2]}}",
                    "", calls(call("f", "{\"a\": [1, 2]}"))),
            new Case(ToolCallFormat.LLAMA3_JSON, "<|python_tag|>brave_search.call(query=\"weather in Paris\", n=3)",
                    "", calls(call("brave_search", "{\"query\":\"weather in Paris\",\"n\":3}"))),
            new Case(ToolCallFormat.LLAMA3_JSON, "<|python_tag|>print(2 + 2)", "", calls(call("python", "{\"code\":\"print(2 + 2)\"}"))),
            new Case(ToolCallFormat.LLAMA3_JSON, "{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": \"y\"}}",
                    "", calls(call("a", "{}"), call("b", "{\"x\": \"y\"}"))),
            new Case(ToolCallFormat.LLAMA3_JSON, "{\"answer\": 42}", "{\"answer\": 42}", calls()),
            new Case(ToolCallFormat.LLAMA3_JSON, "Hello {there}", "Hello {there}", calls()),
            new Case(ToolCallFormat.MISTRAL, "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": 1}}, {\"name\": \"b\", \"arguments\": {}}]",
                    "", calls(call("a", "{\"x\": 1}"), call("b", "{}"))),
            new Case(ToolCallFormat.MISTRAL, "Sure. [TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]",
                    "Sure.", calls(call("get_weather", "{\"city\": \"Paris\"}"))),
            new Case(ToolCallFormat.MISTRAL, "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}", "", calls(call("get_weather", "{\"city\": \"Paris\"}"))),
            new Case(ToolCallFormat.MISTRAL, "No tools [here]", "No tools [here]", calls()));

    static Supplier<String> counter() {
        int[] n = {0};
        return () -> "id" + n[0]++;
    }

    @Test
    void wholeOutputsSplitIntoContentAndCalls() {
        for (Case c : CASES) {
            ToolCallParser.Parsed p = ToolCallParser.parse(c.output(), c.format(), counter());
            assertThat(p.content()).as("content of %s", c.output()).isEqualTo(c.content());
            assertThat(p.calls()).as("calls of %s", c.output()).hasSize(c.calls().size());
            for (int i = 0; i < c.calls().size(); i++) {
                assertThat(p.calls().get(i).name()).isEqualTo(c.calls().get(i)[0]);
                assertThat(p.calls().get(i).argumentsJson()).as("arguments of %s", c.output()).isEqualTo(c.calls().get(i)[1]);
                assertThat(p.calls().get(i).id()).isEqualTo("id" + i);
            }
        }
    }

    @Test
    void streamingInRandomPiecesGivesTheSameResultNameFirstAndNeverLeaksAMarker() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (Case c : CASES) {
            ToolCallParser.Parsed whole = ToolCallParser.parse(c.output(), c.format(), counter());
            for (int trial = 0; trial < 20; trial++) {
                StreamingToolCallParser p = new StreamingToolCallParser(c.format(), counter());
                List<ToolCallEvent> events = new ArrayList<>();
                for (int i = 0; i < c.output().length(); ) {
                    int n = Math.min(c.output().length() - i, 1 + rnd.nextInt(trial % 2 == 0 ? 2 : 8));
                    events.addAll(p.feed(c.output().substring(i, i + n)));
                    i += n;
                }
                events.addAll(p.finish());
                assertThat(ToolCallParser.collect(events)).as("streamed %s", c.output()).isEqualTo(whole);
                int started = -1;
                for (ToolCallEvent e : events) {
                    if (e instanceof ToolCallEvent.CallStart s) started = s.index();
                    if (e instanceof ToolCallEvent.ArgumentsDelta d) assertThat(d.index()).isEqualTo(started);
                    if (e instanceof ToolCallEvent.Content t) assertThat(t.text()).doesNotContain("<tool_call>", "[TOOL_CALLS]", "<|python_tag|>");
                }
            }
        }
    }

    @Test
    void theNameComesBeforeTheArgumentsAreCompleteAndPossibleMarkersAreHeldBack() {
        StreamingToolCallParser p = new StreamingToolCallParser(ToolCallFormat.HERMES, counter());
        assertThat(p.feed("Hi <tool")).containsExactly(new ToolCallEvent.Content("Hi"));
        assertThat(p.feed("_call>\n{\"name\": \"f\", \"arguments\": {\"q\": ")).containsExactly(
                new ToolCallEvent.CallStart(0, "id0", "f"), new ToolCallEvent.ArgumentsDelta(0, "{\"q\": "));
        assertThat(p.feed("\"x\"}")).containsExactly(new ToolCallEvent.ArgumentsDelta(0, "\"x\"}"));
        assertThat(p.feed("}\n</tool_call>")).containsExactly(new ToolCallEvent.CallEnd(0));
        assertThat(p.finish()).isEmpty();

        StreamingToolCallParser q = new StreamingToolCallParser(ToolCallFormat.HERMES, counter());
        assertThat(q.feed("1 <tool")).containsExactly(new ToolCallEvent.Content("1"));
        assertThat(q.feed("s are great")).containsExactly(new ToolCallEvent.Content(" <tools are great"));
    }

    @Test
    void formatsAreRecognisedFromChatTemplates() {
        assertThat(ToolCallFormat.detect("{%- if tools %}<tools>{{ tool }}</tools> ... <tool_call>")).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.detect("{{ '[TOOL_CALLS]' }}")).isEqualTo(ToolCallFormat.MISTRAL);
        assertThat(ToolCallFormat.detect("<|start_header_id|>ipython<|end_header_id|>")).isEqualTo(ToolCallFormat.LLAMA3_JSON);
        assertThat(ToolCallFormat.detect("{{ messages }}")).isNull();
        assertThat(ToolCallFormat.named("llama3-json")).isEqualTo(ToolCallFormat.LLAMA3_JSON);
    }
}

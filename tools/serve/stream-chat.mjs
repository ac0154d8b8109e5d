// Talks to a running `jllm serve` with the official openai npm client: a streamed chat
// (deltas, finish_reason, the usage chunk) and the same request unstreamed at temperature 0,
// whose text must equal the concatenated deltas. Prints one JSON line; exits 1 on a mismatch.
// Usage: node stream-chat.mjs http://127.0.0.1:8080 MODEL
import OpenAI from "openai";

const [baseURL, model] = [process.argv[2], process.argv[3]];
if (!baseURL || !model) {
  console.error("usage: node stream-chat.mjs BASE_URL MODEL");
  process.exit(2);
}
const client = new OpenAI({ baseURL: baseURL + "/v1", apiKey: "unused", maxRetries: 0 });
const messages = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Tell me about the old mill by the river." },
];

const fail = (why, extra = {}) => {
  console.log(JSON.stringify({ ok: false, why, ...extra }));
  process.exit(1);
};

const stream = await client.chat.completions.create({
  model, messages, temperature: 0, max_tokens: 24, stream: true, stream_options: { include_usage: true },
});
let text = "", deltas = 0, finish = null, usage = null, sawRole = false;
for await (const chunk of stream) {
  if (chunk.object !== "chat.completion.chunk") fail("wrong object " + chunk.object);
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    if (c.delta.role === "assistant") sawRole = true;
    if (c.delta.content) { text += c.delta.content; deltas++; }
    if (c.finish_reason) finish = c.finish_reason;
  }
}
const whole = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24 });
const unstreamed = whole.choices[0].message.content;
const result = { ok: true, deltas, finish, usage, sawRole, text, unstreamed };
if (!sawRole) fail("no role delta", result);
if (deltas < 1) fail("no content deltas", result);
if (finish !== "stop" && finish !== "length") fail("bad finish_reason", result);
if (!usage || usage.completion_tokens < 1) fail("no usage chunk", result);
if (text !== unstreamed) fail("streamed text differs from the unstreamed reply", result);
console.log(JSON.stringify(result));

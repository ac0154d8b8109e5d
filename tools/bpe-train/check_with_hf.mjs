// Independent checks of jllm's BPE trainer with Hugging Face tokenizers (the native Rust library,
// through @anush008/tokenizers):
//
//  1. HF's own BpeTrainer learns merges from a Brown Corpus slice with the same pre-tokenizer
//     (ByteLevel with the GPT-2 regex); the first N merges are written as a golden.
//     jllm's BpeTrainer must learn the same merges in the same order.
//  2. jllm's trained tokenizer.json (jllm-tokenizer/src/test/resources/train/brown_1k.tokenizer.json,
//     made by `jllm train-tokenizer`) must load in HF tokenizers (this script fails otherwise) and
//     decode back to the input; HF's ids for held-out Brown lines are written as a golden that
//     jllm's encoder must reproduce.
//
//   cd tools/bpe-train && npm ci && node check_with_hf.mjs
import tokenizers from "@anush008/tokenizers";
import { readFileSync, writeFileSync, mkdtempSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const { Tokenizer, BPE, byteLevelPreTokenizer } = tokenizers;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const outDir = join(root, "jllm-tokenizer", "src", "test", "resources", "train");


// Brown documents (data/brown.jsonl.gz), in file order.
const docs = gunzipSync(readFileSync(join(root, "data", "brown.jsonl.gz")))
  .toString("utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l).text);

// Training slice: documents [0, 20), each followed by "\n" — the same file BpeTrainerHfTest builds.
const TRAIN_DOCS = 20;
const slice = docs.slice(0, TRAIN_DOCS).map((t) => t + "\n").join("");
const tmp = mkdtempSync(join(tmpdir(), "jllm-bpe-"));
const sliceFile = join(tmp, "brown_train_slice.txt");
writeFileSync(sliceFile, slice);

// ---- 1. HF's trainer on the slice ---------------------------------------------------------------
// The binding trains with the model's default BpeTrainer (vocab_size 30000, min_frequency 0, no special
// tokens, alphabet = characters seen); jllm's tie-break by ids agrees because both order the alphabet by character.
const MERGES = 1500;
const hf = new Tokenizer(BPE.empty());
// ByteLevel with use_regex=true splits with the GPT-2 regex itself: the same words as jllm's
// Split(GPT-2 regex) + ByteLevel. (This binding's splitPreTokenizer takes a literal string, not a regex.)
hf.setPreTokenizer(byteLevelPreTokenizer(false, true));
hf.train([sliceFile]);
const hfJsonFile = join(tmp, "hf.json");
hf.save(hfJsonFile, false);
const hfModel = JSON.parse(readFileSync(hfJsonFile, "utf8")).model;
const mergeText = (m) => (Array.isArray(m) ? m.join(" ") : m);
const hfMerges = hfModel.merges.map(mergeText);
if (hfMerges.length < MERGES) throw new Error(`HF learned only ${hfMerges.length} merges`);
writeFileSync(
  join(outDir, "hf_trainer_merges.json"),
  JSON.stringify(
    {
      source: "Hugging Face tokenizers BpeTrainer (@anush008/tokenizers 0.6.0), pre-tokenizer ByteLevel(add_prefix_space=false, use_regex=true), i.e. the GPT-2 split regex",
      corpus: `data/brown.jsonl.gz documents [0, ${TRAIN_DOCS}), each text followed by a newline, read as lines`,
      total_merges_learned: hfMerges.length,
      merges: hfMerges.slice(0, MERGES),
    },
    null,
    0,
  ) + "\n",
);
console.log(`HF trainer: ${hfMerges.length} merges learned, first ${MERGES} written`);

// ---- 2. jllm's tokenizer.json in HF -------------------------------------------------------------
const jllmFile = join(outDir, "brown_1k.tokenizer.json");
if (!existsSync(jllmFile)) throw new Error(`${jllmFile} is missing: make it with jllm train-tokenizer first (see docs/bpe-training.md)`);
const jllm = Tokenizer.fromFile(jllmFile); // throws if HF cannot read the file
const vocabSize = jllm.getVocabSize(true);
// Held-out text: lines of documents [480, 500), plus lines with the special token inside.
const held = docs
  .slice(480, 500)
  .flatMap((t) => t.split("\n"))
  .filter((l) => l.trim())
  .slice(0, 300);
held.push("First document.<|endoftext|>Second document starts here.");
held.push("  Spaces,\ttabs and\nnewlines; numbers 12345 and 3.14159; unicode: naïve café — 日本語 🙂");
const cases = [];
for (const text of held) {
  const enc = await jllm.encode(text, null, { addSpecialTokens: false });
  const ids = enc.getIds();
  const back = await jllm.decode(ids, false);
  if (back !== text) throw new Error(`HF decode(encode(x)) != x for ${JSON.stringify(text)}: ${JSON.stringify(back)}`);
  cases.push({ text, ids });
}
writeFileSync(
  join(outDir, "brown_1k.encodings.json"),
  JSON.stringify(
    { source: "Hugging Face tokenizers (@anush008/tokenizers 0.6.0) loading brown_1k.tokenizer.json", vocab_size: vocabSize, cases },
    null,
    0,
  ) + "\n",
);
console.log(`HF loaded jllm's tokenizer.json (vocab ${vocabSize}); ${cases.length} held-out encodings written, all round-trip`);

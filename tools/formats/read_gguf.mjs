// Reads a GGUF file with @huggingface/gguf (an independent parser from the npm registry) and
// prints its metadata and tensor infos as JSON, so files jllm writes can be checked by a
// reader that shares no code with jllm.   Usage: node read_gguf.mjs FILE.gguf
import { gguf } from "@huggingface/gguf";
import path from "node:path";

const file = path.resolve(process.argv[2]);
const { metadata, tensorInfos, tensorDataOffset } = await gguf(file, { allowLocalFile: true });
const plain = (v) => (typeof v === "bigint" ? v.toString() : Array.isArray(v) ? v.map(plain) : v);
const meta = {};
for (const [k, v] of Object.entries(metadata)) meta[k] = plain(v);
const tensors = tensorInfos.map((t) => ({
  name: t.name, ne: t.shape.map((d) => d.toString()), dtype: t.dtype, offset: t.offset.toString(),
}));
console.log(JSON.stringify({ metadata: meta, tensors, tensorDataOffset: tensorDataOffset.toString() }, null, 1));

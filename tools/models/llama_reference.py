#!/usr/bin/python3
"""A tiny random-weight Llama-architecture model and its reference logits, from PyTorch.

The model follows Hugging Face's Llama semantics (RMSNorm in float32, rotate_half RoPE on
unpermuted q/k weights, GQA by repeat_kv, SwiGLU). It is written as a GGUF file the way
llama.cpp's converter writes one: llama.cpp tensor names, [out, in] weights, and q/k weights
PERMUTED for llama.cpp's adjacent-pair RoPE. jllm reads the GGUF; the test compares its logits
with the ones computed here.

The GGUF also carries a tokenizer (tokenizer.ggml.model = gpt2): the 1k byte-level BPE that
jllm's trainer learned on Brown (jllm-tokenizer/src/test/resources/train/brown_1k.tokenizer.json,
whose HF-tokenizers encodings are committed beside it); the prompt is one of those HF encodings.

Writes jllm-models/src/test/resources/models/llama-tiny/{model.gguf, golden.txt}:
golden.txt = line 1 the prompt token ids, line 2 the greedy 32-token continuation, line 3 the
prompt text (JSON string), then one line of vocab logits per prompt position.
"""
import json, os, struct
import numpy as np
import torch

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "jllm-models", "src", "test", "resources", "models", "llama-tiny")

tok_dir = os.path.join(root, "jllm-tokenizer", "src", "test", "resources", "train")
TOK = json.load(open(os.path.join(tok_dir, "brown_1k.tokenizer.json"), encoding="utf-8"))
CASES = json.load(open(os.path.join(tok_dir, "brown_1k.encodings.json"), encoding="utf-8"))["cases"]
DIM, LAYERS, HEADS, KV_HEADS, FFN, VOCAB, CTX = 64, 2, 4, 2, 160, len(TOK["model"]["vocab"]), 128
HEAD = DIM // HEADS
THETA, EPS = 10000.0, 1e-5

g = torch.Generator().manual_seed(1234)
def w(*shape, scale=0.08):
    return (torch.randn(*shape, generator=g) * scale).float()

P = {"tok": w(VOCAB, DIM, scale=0.5), "norm": 1 + w(DIM, scale=0.1), "out": w(VOCAB, DIM)}
for l in range(LAYERS):
    P[f"{l}.attn_norm"] = 1 + w(DIM, scale=0.1)
    P[f"{l}.q"] = w(HEADS * HEAD, DIM)
    P[f"{l}.k"] = w(KV_HEADS * HEAD, DIM)
    P[f"{l}.v"] = w(KV_HEADS * HEAD, DIM)
    P[f"{l}.o"] = w(DIM, HEADS * HEAD)
    P[f"{l}.ffn_norm"] = 1 + w(DIM, scale=0.1)
    P[f"{l}.gate"] = w(FFN, DIM)
    P[f"{l}.up"] = w(FFN, DIM)
    P[f"{l}.down"] = w(DIM, FFN)

def rms(x, weight):
    x = x.double()
    return (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * weight.double())

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

def forward(tokens):
    T = len(tokens)
    x = P["tok"].double()[torch.tensor(tokens)]
    inv = 1.0 / (THETA ** (torch.arange(0, HEAD, 2).double() / HEAD))
    ang = torch.outer(torch.arange(T).double(), inv)
    cos = torch.cat([ang.cos(), ang.cos()], -1)
    sin = torch.cat([ang.sin(), ang.sin()], -1)
    mask = torch.full((T, T), float("-inf")).triu(1).double()
    for l in range(LAYERS):
        h = rms(x, P[f"{l}.attn_norm"])
        q = (h @ P[f"{l}.q"].double().T).view(T, HEADS, HEAD).transpose(0, 1)
        k = (h @ P[f"{l}.k"].double().T).view(T, KV_HEADS, HEAD).transpose(0, 1)
        v = (h @ P[f"{l}.v"].double().T).view(T, KV_HEADS, HEAD).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(HEADS // KV_HEADS, 0)
        v = v.repeat_interleave(HEADS // KV_HEADS, 0)
        att = torch.softmax(q @ k.transpose(1, 2) / HEAD ** 0.5 + mask, -1)
        o = (att @ v).transpose(0, 1).reshape(T, DIM)
        x = x + o @ P[f"{l}.o"].double().T
        h = rms(x, P[f"{l}.ffn_norm"])
        f = torch.nn.functional.silu(h @ P[f"{l}.gate"].double().T) * (h @ P[f"{l}.up"].double().T)
        x = x + f @ P[f"{l}.down"].double().T
    return rms(x, P["norm"]) @ P["out"].double().T

def permute(wt, heads):
    # llama.cpp convert_hf_to_gguf: reorder rows so adjacent pairs hold (i, i + head/2).
    return wt.reshape(heads, 2, wt.shape[0] // heads // 2, *wt.shape[1:]).swapaxes(1, 2).reshape(wt.shape)

def write_gguf(path):
    kv = [
        ("general.architecture", 8, "llama"), ("general.name", 8, "jllm llama-tiny reference"),
        ("llama.context_length", 4, CTX), ("llama.embedding_length", 4, DIM), ("llama.block_count", 4, LAYERS),
        ("llama.feed_forward_length", 4, FFN), ("llama.attention.head_count", 4, HEADS),
        ("llama.attention.head_count_kv", 4, KV_HEADS), ("llama.rope.freq_base", 6, THETA),
        ("llama.rope.dimension_count", 4, HEAD), ("llama.attention.layer_norm_rms_epsilon", 6, EPS),
        ("llama.vocab_size", 4, VOCAB),
        ("tokenizer.ggml.model", 8, "gpt2"), ("tokenizer.ggml.pre", 8, "gpt2"),
        ("tokenizer.ggml.tokens", 9, (8, [t for t, _ in sorted(TOK["model"]["vocab"].items(), key=lambda kv: kv[1])])),
        ("tokenizer.ggml.token_type", 9, (5, [3 if i in SPECIAL else 1 for i in range(VOCAB)])),
        ("tokenizer.ggml.merges", 9, (8, [m if isinstance(m, str) else " ".join(m) for m in TOK["model"]["merges"]])),
        ("tokenizer.ggml.bos_token_id", 4, 0), ("tokenizer.ggml.eos_token_id", 4, 0),
    ]
    tensors = [("token_embd.weight", P["tok"]), ("output_norm.weight", P["norm"]), ("output.weight", P["out"])]
    for l in range(LAYERS):
        tensors += [(f"blk.{l}.attn_norm.weight", P[f"{l}.attn_norm"]),
                    (f"blk.{l}.attn_q.weight", permute(P[f"{l}.q"].numpy(), HEADS)),
                    (f"blk.{l}.attn_k.weight", permute(P[f"{l}.k"].numpy(), KV_HEADS)),
                    (f"blk.{l}.attn_v.weight", P[f"{l}.v"]), (f"blk.{l}.attn_output.weight", P[f"{l}.o"]),
                    (f"blk.{l}.ffn_norm.weight", P[f"{l}.ffn_norm"]), (f"blk.{l}.ffn_gate.weight", P[f"{l}.gate"]),
                    (f"blk.{l}.ffn_up.weight", P[f"{l}.up"]), (f"blk.{l}.ffn_down.weight", P[f"{l}.down"])]
    def s(x):
        b = x.encode(); return struct.pack("<Q", len(b)) + b
    def arr(et, items):
        out = struct.pack("<IQ", et, len(items))
        return out + b"".join(s(i) if et == 8 else struct.pack("<i", i) for i in items)
    body = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(kv))
    for key, t, val in kv:
        body += s(key) + struct.pack("<I", t)
        body += s(val) if t == 8 else arr(*val) if t == 9 else struct.pack("<I", val) if t == 4 else struct.pack("<f", val)
    off, datas = 0, []
    for name, t in tensors:
        a = np.ascontiguousarray(np.asarray(t, dtype=np.float32))
        body += s(name) + struct.pack("<I", a.ndim) + b"".join(struct.pack("<Q", d) for d in reversed(a.shape))
        body += struct.pack("<IQ", 0, off)  # F32, offset
        datas.append(a.tobytes())
        off += (len(datas[-1]) + 31) // 32 * 32
    body += b"\0" * ((-len(body)) % 32)
    for d in datas:
        body += d + b"\0" * ((-len(d)) % 32)
    with open(path, "wb") as f:
        f.write(body)

SPECIAL = {t["id"] for t in TOK["added_tokens"] if t.get("special")}
os.makedirs(out, exist_ok=True)
write_gguf(os.path.join(out, "model.gguf"))
case = min((c for c in CASES if 8 <= len(c["ids"]) <= 48), key=lambda c: len(c["ids"]))
tokens = case["ids"]
logits = forward(tokens).float()
seq = list(tokens)
for _ in range(32):  # greedy continuation, recomputing the full forward each step
    seq.append(int(forward(seq)[-1].argmax()))
with open(os.path.join(out, "golden.txt"), "w") as f:
    f.write(" ".join(map(str, tokens)) + "\n")
    f.write(" ".join(map(str, seq[len(tokens):])) + "\n")
    f.write(json.dumps(case["text"]) + "\n")
    for row in logits.tolist():
        f.write(" ".join("%.7g" % v for v in row) + "\n")
print("wrote", out)

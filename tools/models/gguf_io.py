"""Shared by moe_reference.py, deepseek2_reference.py and gpt2_reference.py: a GGUF v3 writer
(per the GGUF spec: little-endian header, typed key/values, tensor infos with dims innermost
first, 32-byte aligned data), ggml's Q8_0 block quantizer, and small PyTorch helpers in float64.
"""
import math, os, struct
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "jllm-models", "src", "test", "resources", "models")
TOKENS = [3, 17, 42, 5, 96, 0, 33, 33, 8, 71, 64, 2, 50, 19, 88, 3, 7, 7, 60, 11]

I32, U32, F32, BOOL, STRING, ARRAY = 5, 4, 6, 7, 8, 9

def q8_0(w):
    """ggml Q8_0 along the last axis: 32 weights -> f16 scale d = amax/127 and 32 int8 q; x = d*q.
    Returns (block bytes, dequantized float32 array of w's shape)."""
    b = w.astype(np.float32).reshape(-1, 32)
    d = (np.abs(b).max(1) / 127).astype(np.float16)
    inv = np.where(d != 0, 1 / np.maximum(d.astype(np.float32), 1e-30), 0)
    q = np.clip(np.round(b * inv[:, None]), -127, 127).astype(np.int8)
    raw = b"".join(d[i].tobytes() + q[i].tobytes() for i in range(len(b)))
    return raw, (d.astype(np.float32)[:, None] * q).reshape(w.shape).astype(np.float32)

def dequantized(P, quantize, keep=()):
    """The weights the reference runs on: matrices (rank >= 2) rounded through Q8_0 when quantize,
    except the keys in keep (stored F32, as write_gguf stores routers)."""
    if not quantize:
        return P
    return {k: (torch.from_numpy(q8_0(t.numpy())[1]) if t.dim() >= 2 and k not in keep else t) for k, t in P.items()}

def _s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b

def _value(t, v):
    if t == U32: return struct.pack("<I", v)
    if t == I32: return struct.pack("<i", v)
    if t == F32: return struct.pack("<f", v)
    if t == BOOL: return struct.pack("<B", 1 if v else 0)
    if t == STRING: return _s(v)
    if t == ARRAY:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(_value(et, i) for i in items)
    raise ValueError(t)

def write_gguf(path, kv, tensors, quantize=False):
    """kv: [(key, type, value)]; tensors: [(name, torch tensor)]. With quantize, every tensor of
    rank >= 2 whose last dim is a multiple of 32 is stored as Q8_0 (ggml type 8), else F32 (0);
    expert routers (ffn_gate_inp*) stay F32, as llama.cpp's quantizer leaves them."""
    body = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(kv))
    for key, t, val in kv:
        body += _s(key) + struct.pack("<I", t) + _value(t, val)
    off, datas = 0, []
    for name, t in tensors:
        a = np.ascontiguousarray(np.asarray(t, dtype=np.float32))
        blocks = quantize and a.ndim >= 2 and a.shape[-1] % 32 == 0 and "ffn_gate_inp" not in name
        body += _s(name) + struct.pack("<I", a.ndim) + b"".join(struct.pack("<Q", d) for d in reversed(a.shape))
        body += struct.pack("<IQ", 8 if blocks else 0, off)
        datas.append(q8_0(a)[0] if blocks else a.tobytes())
        off += (len(datas[-1]) + 31) // 32 * 32
    body += b"\0" * ((-len(body)) % 32)
    for d in datas:
        body += d + b"\0" * ((-len(d)) % 32)
    with open(path, "wb") as f:
        f.write(body)

def write_safetensors(path, tensors):
    """safetensors: u64 header length, JSON header {name: dtype, shape, data_offsets}, raw F32 data."""
    import json
    header, datas, off = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[name], dtype="<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        datas.append(a.tobytes())
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(datas))

def write_golden(out, forward, tokens=TOKENS, steps=32):
    """golden.txt: line 1 the token ids, then the logits of every position; greedy.txt: the
    greedy continuation (one full forward per step)."""
    os.makedirs(out, exist_ok=True)
    seq = list(tokens)
    logits = forward(tokens).float()
    for _ in range(steps):
        seq.append(int(forward(seq)[-1].argmax()))
    with open(os.path.join(out, "greedy.txt"), "w") as f:
        f.write(" ".join(map(str, seq[len(tokens):])) + "\n")
    with open(os.path.join(out, "golden.txt"), "w") as f:
        f.write(" ".join(map(str, tokens)) + "\n")
        for row in logits.tolist():
            f.write(" ".join("%.7g" % v for v in row) + "\n")
    print("wrote", out)

def rms(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight.double()

def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)

def causal_mask(T):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return torch.where(j <= i, 0.0, float("-inf")).double()

def permute(wt, heads):
    """llama.cpp's converter permutes llama q/k rows so ggml's adjacent-pair RoPE equals HF's rotate_half."""
    return torch.from_numpy(np.ascontiguousarray(
        wt.numpy().reshape(heads, 2, wt.shape[0] // heads // 2, *wt.shape[1:]).swapaxes(1, 2).reshape(wt.shape)))

def demo_tokenizer():
    """GGUF tokenizer keys for jllm's 1k byte-level BPE trained on Brown (the one llama-tiny carries),
    so that a demo model file runs under `jllm generate/score/logits -m`. Returns (kv, vocab size)."""
    import json
    tok = json.load(open(os.path.join(ROOT, "jllm-tokenizer", "src", "test", "resources", "train", "brown_1k.tokenizer.json"),
                         encoding="utf-8"))
    vocab = len(tok["model"]["vocab"])
    special = {t["id"] for t in tok["added_tokens"] if t.get("special")}
    kv = [("tokenizer.ggml.model", STRING, "gpt2"), ("tokenizer.ggml.pre", STRING, "gpt2"),
          ("tokenizer.ggml.tokens", ARRAY, (STRING, [t for t, _ in sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])])),
          ("tokenizer.ggml.token_type", ARRAY, (I32, [3 if i in special else 1 for i in range(vocab)])),
          ("tokenizer.ggml.merges", ARRAY, (STRING, [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]])),
          ("tokenizer.ggml.bos_token_id", U32, 0), ("tokenizer.ggml.eos_token_id", U32, 0)]
    return kv, vocab

def demo_path():
    """The --demo OUT.gguf argument, or None: then the fixtures are written instead."""
    import sys
    return sys.argv[sys.argv.index("--demo") + 1] if "--demo" in sys.argv else None

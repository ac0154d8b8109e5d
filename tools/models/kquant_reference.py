#!/usr/bin/python3
"""Tiny Llama-family GGUF files whose matrices are ggml K-quants (Q4_K, Q6_K), and PyTorch
reference logits computed on the dequantized weights.

K-quants pack 256 weights per super-block, so every matrix has an inner dimension that is a
multiple of 256: dim 256, ffn 512, 2 layers, 4 heads of 64 with 2 KV heads, vocab 101.

Variants (the mixes follow llama.cpp's quantization presets in spirit):
  llama-q4_k   arch llama, a Q4_K_M-like mix: every matrix Q4_K (token embedding included),
               output.weight Q6_K, and attn_v / ffn_down of the last layer Q6_K (llama.cpp's
               "more bits" layers for a 2-layer model)
  llama-q6_k   arch llama, every matrix Q6_K (as llama.cpp's Q6_K preset)
  qwen2-q4_k   arch qwen2 (q/k/v biases, NeoX RoPE): matrices Q4_K, output.weight Q6_K,
               token embedding Q8_0
Norm weights and biases stay F32, as in every GGUF file.

Blocks are built in numpy from ggml's published layout (written here, not taken from ggml):
  block_q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of 6-bit scales/mins for 8 sub-blocks of
      32, 128 bytes of nibbles (per 64 weights: 32 bytes, low nibble = sub-block 2j, high = 2j+1);
      w = d*sc_j*q - dmin*m_j, q in 0..15.
  block_q6_K (210 bytes): 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 int8 scales
      (one per 16 weights), f16 d; w = d*sc*(q - 32), q in 0..63.
The quantizer here is a plain one (min/max per sub-block, then 6-/8-bit scales); the reference
uses the values decoded back from the written bytes by the dequantizer below, which follows
the layout independently of the quantizer (their agreement is asserted).

Reference semantics are Hugging Face's Llama/Qwen2 modeling code in float64. The token sequence
is a 40-token prompt followed by the reference's 32-token greedy continuation (each step one full
forward over the growing sequence); golden.txt holds logits for all 72 positions, so a 72-token
prefill, token-by-token decode and the greedy run can all be checked against it.
Writes jllm-models/src/test/resources/models/<variant>/{model.gguf, golden.txt, greedy.txt}
(golden.txt: line 1 token ids, then one line of logits per position).
"""
import math, os, struct
import numpy as np
import torch
from family_reference import llama_forward  # the same HF-semantics forward as the F32/Q8_0/Q4_0 variants

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = [3, 17, 42, 5, 96, 0, 33, 33, 8, 71, 64, 2, 50, 19, 88, 3, 7, 7, 60, 11,
          25, 99, 14, 14, 81, 40, 6, 57, 91, 30, 12, 77, 45, 1, 68, 23, 100, 9, 52, 36]
GREEDY = 32
EPS = 1e-6
QK = 256

# ---------------------------------------------------------------- block quantizers

def f16(a):
    return np.asarray(a, dtype=np.float32).astype(np.float16)

def quant_q4_k(w):
    """Per sub-block of 32: min clamped to <= 0, scale (max - min)/15; the 8 scales and the 8
    (negated) mins of a super-block are then quantized to 6 bits against f16 d and dmin."""
    x = w.astype(np.float32).reshape(-1, 8, 32)
    nb = len(x)
    lo = np.minimum(x.min(-1), 0)
    scale, mins = (x.max(-1) - lo) / 15, -lo
    d, dmin = f16(scale.max(1) / 63), f16(mins.max(1) / 63)
    df, dmf = d.astype(np.float32)[:, None], dmin.astype(np.float32)[:, None]
    sc = np.clip(np.round(np.divide(scale, df, out=np.zeros_like(scale), where=df != 0)), 0, 63).astype(np.uint8)
    m = np.clip(np.round(np.divide(mins, dmf, out=np.zeros_like(mins), where=dmf != 0)), 0, 63).astype(np.uint8)
    D, M = (df * sc).astype(np.float32), (dmf * m).astype(np.float32)
    q = np.divide(x + M[..., None], D[..., None], out=np.zeros_like(x), where=D[..., None] != 0)
    q = np.clip(np.round(q), 0, 15).astype(np.uint8)
    # 6-bit packing: bytes 0..3 scales 0..3, 4..7 mins 0..3, each with the top 2 bits of
    # scale/min 4..7 in bits 6..7; bytes 8..11 low nibble scale 4..7, high nibble min 4..7.
    packed = np.zeros((nb, 12), np.uint8)
    packed[:, 0:4] = sc[:, 0:4] | ((sc[:, 4:8] >> 4) << 6)
    packed[:, 4:8] = m[:, 0:4] | ((m[:, 4:8] >> 4) << 6)
    packed[:, 8:12] = (sc[:, 4:8] & 0xF) | ((m[:, 4:8] & 0xF) << 4)
    pairs = q.reshape(nb, 4, 2, 32)            # (chunk of 64, sub-block 2j / 2j+1, element)
    qs = (pairs[:, :, 0] | (pairs[:, :, 1] << 4)).reshape(nb, 128)
    raw = np.concatenate([d.view(np.uint8).reshape(nb, 2), dmin.view(np.uint8).reshape(nb, 2), packed, qs], 1)
    return raw.tobytes()

def quant_q6_k(w):
    """Per sub-block of 16: scale = (signed value of largest magnitude) / -32; the 16 scales of a
    super-block become int8 against f16 d = max|scale| / 127; q = round(w / (d*sc)) + 32."""
    x = w.astype(np.float32).reshape(-1, 16, 16)
    nb = len(x)
    big = np.take_along_axis(x, np.abs(x).argmax(-1)[..., None], -1)[..., 0]
    scale = big / -32
    d = f16(np.abs(scale).max(1) / 127)
    df = d.astype(np.float32)[:, None]
    sc = np.clip(np.round(np.divide(scale, df, out=np.zeros_like(scale), where=df != 0)), -127, 127).astype(np.int8)
    D = (df * sc).astype(np.float32)
    q = np.divide(x, D[..., None], out=np.zeros_like(x), where=D[..., None] != 0)
    q = (np.clip(np.round(q), -32, 31) + 32).astype(np.uint8).reshape(nb, 2, 4, 32)  # (half, run, element)
    ql = np.concatenate([q[:, :, 0] & 0xF | ((q[:, :, 2] & 0xF) << 4),
                         q[:, :, 1] & 0xF | ((q[:, :, 3] & 0xF) << 4)], 2).reshape(nb, 128)
    qh = ((q[:, :, 0] >> 4) | ((q[:, :, 1] >> 4) << 2) | ((q[:, :, 2] >> 4) << 4) | ((q[:, :, 3] >> 4) << 6)).reshape(nb, 64)
    raw = np.concatenate([ql, qh, sc.view(np.uint8), d.view(np.uint8).reshape(nb, 2)], 1)
    return raw.tobytes()

def quant_q8_0(w):
    """ggml Q8_0: 32 weights -> f16 d = amax/127, 32 int8 q."""
    x = w.astype(np.float32).reshape(-1, 32)
    d = f16(np.abs(x).max(1) / 127)
    df = d.astype(np.float32)[:, None]
    q = np.clip(np.round(np.divide(x, df, out=np.zeros_like(x), where=df != 0)), -127, 127).astype(np.int8)
    return np.concatenate([d.view(np.uint8).reshape(-1, 2), q.view(np.uint8)], 1).tobytes()

# ---------------------------------------------------------------- dequantizers (from the bytes)

def deq_q4_k(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(n // QK, 144)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)      # (nb, 1)
    dmin = b[:, 2:4].copy().view(np.float16).astype(np.float32)
    s = b[:, 4:16]
    sc, m = np.empty((len(b), 8), np.uint8), np.empty((len(b), 8), np.uint8)
    for j in range(8):  # 6-bit scale and min of sub-block j
        if j < 4:
            sc[:, j], m[:, j] = s[:, j] & 63, s[:, j + 4] & 63
        else:
            sc[:, j] = (s[:, j + 4] & 0xF) | ((s[:, j - 4] >> 6) << 4)
            m[:, j] = (s[:, j + 4] >> 4) | ((s[:, j] >> 6) << 4)
    qs = b[:, 16:].reshape(-1, 4, 32)
    q = np.stack([qs & 0xF, qs >> 4], 2).reshape(-1, 8, 32).astype(np.float32)  # sub-block 2j, 2j+1
    d1 = (d * sc.astype(np.float32)).astype(np.float32)[..., None]
    m1 = (dmin * m.astype(np.float32)).astype(np.float32)[..., None]
    return (d1 * q - m1).astype(np.float32).reshape(n)

def deq_q6_k(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(n // QK, 210)
    ql, qh = b[:, 0:128].reshape(-1, 2, 64), b[:, 128:192].reshape(-1, 2, 32)
    sc = b[:, 192:208].copy().view(np.int8).astype(np.float32).reshape(-1, 2, 8)
    d = b[:, 208:210].copy().view(np.float16).astype(np.float32)[:, :, None]   # (nb, 1, 1)
    runs = [(ql[:, :, :32] & 0xF) | (((qh >> 0) & 3) << 4),     # weights l      of each half
            (ql[:, :, 32:] & 0xF) | (((qh >> 2) & 3) << 4),     # weights l + 32
            (ql[:, :, :32] >> 4) | (((qh >> 4) & 3) << 4),      # weights l + 64
            (ql[:, :, 32:] >> 4) | (((qh >> 6) & 3) << 4)]      # weights l + 96
    q = np.stack(runs, 2).astype(np.float32).reshape(-1, 2, 8, 16) - 32  # (half, 16-run, element)
    return ((d * sc)[..., None].astype(np.float32) * q).astype(np.float32).reshape(n)

def deq_q8_0(raw, n):
    b = np.frombuffer(raw, np.uint8).reshape(n // 32, 34)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    return (d * b[:, 2:].copy().view(np.int8).astype(np.float32)).astype(np.float32).reshape(n)

# name -> (ggml type id, quantizer, dequantizer)
TYPES = {"f32": (0, None, None), "q8_0": (8, quant_q8_0, deq_q8_0),
         "q4_k": (12, quant_q4_k, deq_q4_k), "q6_k": (14, quant_q6_k, deq_q6_k)}

def encode(t, kind):
    """(bytes, dequantized float32 array of t's shape)."""
    a = np.ascontiguousarray(np.asarray(t, dtype=np.float32))
    if kind == "f32":
        return a.tobytes(), a
    raw = TYPES[kind][1](a)
    return raw, TYPES[kind][2](raw, a.size).reshape(a.shape)

# ---------------------------------------------------------------- model, reference, GGUF

def permute(wt, heads):
    """llama.cpp's converter reorders q/k rows of arch llama for its interleaved RoPE."""
    return wt.reshape(heads, 2, wt.shape[0] // heads // 2, *wt.shape[1:]).swapaxes(1, 2).reshape(wt.shape)

def build(name, arch, mix, dim=256, layers=2, heads=4, kv_heads=2, ffn=512, vocab=101, theta=10000.0, bias=False, seed=0):
    head = dim // heads
    g = torch.Generator().manual_seed(seed)
    w = lambda *s, scale: (torch.randn(*s, generator=g) * scale).float().numpy()
    s_in = 0.6 / math.sqrt(dim)  # ~0.04: keeps activations O(1) through 2 layers
    P = {"tok": w(vocab, dim, scale=0.5), "norm": 1 + w(dim, scale=0.1), "out": w(vocab, dim, scale=1.5 / math.sqrt(dim))}
    for l in range(layers):
        P.update({f"{l}.an": 1 + w(dim, scale=0.1), f"{l}.q": w(heads * head, dim, scale=s_in),
                  f"{l}.k": w(kv_heads * head, dim, scale=s_in), f"{l}.v": w(kv_heads * head, dim, scale=s_in),
                  f"{l}.o": w(dim, heads * head, scale=s_in), f"{l}.fn": 1 + w(dim, scale=0.1),
                  f"{l}.g": w(ffn, dim, scale=s_in), f"{l}.u": w(ffn, dim, scale=s_in),
                  f"{l}.d": w(dim, ffn, scale=0.6 / math.sqrt(ffn))})
        if bias:
            P.update({f"{l}.qb": w(heads * head, scale=0.3), f"{l}.kb": w(kv_heads * head, scale=0.3),
                      f"{l}.vb": w(kv_heads * head, scale=0.3)})
    neox = arch == "qwen2"  # llama.cpp keeps HF's q/k row order for NeoX-style archs
    names = {"tok": "token_embd.weight", "norm": "output_norm.weight", "out": "output.weight"}
    gguf = {"an": "attn_norm.weight", "q": "attn_q.weight", "k": "attn_k.weight", "v": "attn_v.weight",
            "o": "attn_output.weight", "fn": "ffn_norm.weight", "g": "ffn_gate.weight", "u": "ffn_up.weight",
            "d": "ffn_down.weight", "qb": "attn_q.bias", "kb": "attn_k.bias", "vb": "attn_v.bias"}
    for key in P:
        if "." in key:
            l, n = key.split(".")
            names[key] = f"blk.{l}.{gguf[n]}"
    tensors, kinds = [], {}
    for key, t in P.items():  # quantize each matrix as stored (q/k permuted), decode it back
        kind = mix(names[key]) if t.ndim == 2 else "f32"
        kinds[kind] = kinds.get(kind, 0) + 1
        rows = None if neox else heads if key.endswith(".q") else kv_heads if key.endswith(".k") else None
        stored = permute(t, rows) if rows else t
        raw, deq = encode(stored, kind)
        if kind != "f32":
            check_roundtrip(names[key], stored, deq, kind)
        tensors.append((names[key], stored.shape, TYPES[kind][0], raw))
        # rows are quantized independently, so un-permuting the decoded rows gives HF order
        P[key] = torch.from_numpy(permute_back(deq, rows) if rows else deq)
    inv = 1.0 / (theta ** (torch.arange(0, head, 2).double() / head))

    forward = lambda tokens: llama_forward(P, tokens, layers, heads, kv_heads, head, inv, bias=bias)

    kv = [("general.architecture", 8, arch), (f"{arch}.context_length", 4, 256), (f"{arch}.embedding_length", 4, dim),
          (f"{arch}.block_count", 4, layers), (f"{arch}.feed_forward_length", 4, ffn), (f"{arch}.attention.head_count", 4, heads),
          (f"{arch}.attention.head_count_kv", 4, kv_heads), (f"{arch}.rope.freq_base", 6, theta),
          (f"{arch}.attention.layer_norm_rms_epsilon", 6, EPS), (f"{arch}.attention.key_length", 4, head),
          (f"{arch}.attention.value_length", 4, head), (f"{arch}.rope.dimension_count", 4, head)]
    out = os.path.join(root, "jllm-models", "src", "test", "resources", "models", name)
    os.makedirs(out, exist_ok=True)
    write_gguf(os.path.join(out, "model.gguf"), kv, tensors)
    seq = list(PROMPT)
    gaps = []
    for _ in range(GREEDY):  # greedy continuation, one full forward per step
        last = forward(seq)[-1]
        top = last.topk(2).values
        gaps.append(float((top[0] - top[1]) / (last.max() - last.min())))
        seq.append(int(last.argmax()))
    logits = forward(seq).float()
    with open(os.path.join(out, "greedy.txt"), "w") as f:
        f.write(" ".join(map(str, seq[len(PROMPT):])) + "\n")
    with open(os.path.join(out, "golden.txt"), "w") as f:
        f.write(" ".join(map(str, seq)) + "\n")
        for row in logits.tolist():
            f.write(" ".join("%.7g" % v for v in row) + "\n")
    ranges = logits.max(-1).values - logits.min(-1).values
    print("wrote %s: %s, %d bytes, logit range %.2f..%.2f, smallest greedy top-2 gap / range %.3g"
          % (out, kinds, os.path.getsize(os.path.join(out, "model.gguf")), ranges.min(), ranges.max(), min(gaps)))

def permute_back(wt, heads):
    return wt.reshape(heads, wt.shape[0] // heads // 2, 2, *wt.shape[1:]).swapaxes(1, 2).reshape(wt.shape)

def check_roundtrip(name, w, deq, kind):
    """The decoded values must be a faithful quantization of w: guards the packing and the
    dequantizer against each other (a mis-placed nibble or scale shows as a large error)."""
    block = {"q8_0": 32, "q4_k": 32, "q6_k": 16}[kind]
    levels = {"q8_0": 127, "q4_k": 7.5, "q6_k": 31}[kind]
    err = np.abs(w - deq).reshape(-1, block).max(1)
    span = np.abs(w).reshape(-1, block).max(1)
    # half a quantization step, plus the 6/8-bit rounding of the sub-block scales
    worst = (err / np.maximum(span / levels, 1e-12)).max()
    assert worst < 3.0, f"{name} ({kind}): error {worst:.2f} steps"

def write_gguf(path, kv, tensors):
    s = lambda x: struct.pack("<Q", len(x.encode())) + x.encode()
    body = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(kv))
    for key, t, val in kv:
        body += s(key) + struct.pack("<I", t) + (s(val) if t == 8 else struct.pack("<I", val) if t == 4 else struct.pack("<f", val))
    off = 0
    for name, shape, ggml, raw in tensors:  # dims innermost first
        body += s(name) + struct.pack("<I", len(shape)) + b"".join(struct.pack("<Q", d) for d in reversed(shape)) + struct.pack("<IQ", ggml, off)
        off += (len(raw) + 31) // 32 * 32
    body += b"\0" * ((-len(body)) % 32)
    for _, _, _, raw in tensors:
        body += raw + b"\0" * ((-len(raw)) % 32)
    open(path, "wb").write(body)

def q4_k_m(name):
    """Q4_K_M-like: output Q6_K; attn_v and ffn_down get Q6_K in llama.cpp's 'more bits' layers,
    which for 2 layers is the last one; everything else Q4_K."""
    if name == "output.weight" or name in ("blk.1.attn_v.weight", "blk.1.ffn_down.weight"):
        return "q6_k"
    return "q4_k"

build("llama-q4_k", "llama", q4_k_m, seed=21)
build("llama-q6_k", "llama", lambda n: "q6_k", seed=22)
build("qwen2-q4_k", "qwen2", lambda n: "q6_k" if n == "output.weight" else "q8_0" if n == "token_embd.weight" else "q4_k",
      theta=1000000.0, bias=True, seed=23)

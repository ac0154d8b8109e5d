#!/usr/bin/env python3
"""PyTorch references for jllm's training attention and RoPE ops (AttentionOpTest, RopeOpTest).

Attention is written out as plain scaled dot-product attention with an explicit boolean mask
(causal, same document, padding = negative document id), GQA by repeat_interleave over heads;
RoPE as the rotation of adjacent pairs or of halves. Inputs are float32 values, everything is
computed in float64, and the gradients come from torch.autograd of sum(out * w).

Writes jllm-nn/src/test/resources/autograd/attention_rope_golden.txt, one array per line:
`name v0 v1 ...`.  Run: /usr/bin/python3 tools/train/attention_rope_golden.py
"""
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "../../jllm-nn/src/test/resources/autograd/attention_rope_golden.txt")
lines = []


def put(name, t):
    flat = t.detach().reshape(-1).tolist()
    if t.dtype in (torch.int32, torch.int64):
        lines.append(name + " " + " ".join(str(int(x)) for x in flat))
    else:
        lines.append(name + " " + " ".join("%.9g" % x for x in flat))


def f32(*shape, gen):
    return torch.randn(*shape, generator=gen, dtype=torch.float32)


def attention(q, k, v, docs):
    """q [B,T,H,D], k/v [B,T,KV,D], docs [B,T] or None -> [B,T,H,D]."""
    b, t, h, d = q.shape
    group = h // k.shape[2]
    qh = q.transpose(1, 2)
    kh = k.repeat_interleave(group, dim=2).transpose(1, 2)
    vh = v.repeat_interleave(group, dim=2).transpose(1, 2)
    scores = qh @ kh.transpose(-1, -2) / math.sqrt(d)
    mask = torch.ones(t, t, dtype=torch.bool).tril().expand(b, t, t)
    if docs is not None:
        same = docs[:, :, None] == docs[:, None, :]
        real = (docs >= 0)[:, :, None]
        mask = mask & same & real
    mask = mask[:, None, :, :]
    p = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
    p = torch.where(mask.any(dim=-1, keepdim=True), p, torch.zeros_like(p))  # nothing visible: zeros
    return (p @ vh).transpose(1, 2)


def attention_case(prefix, shape, docs, gen):
    b, t, h, kv, d = shape
    q, k, v, w = f32(b, t, h, d, gen=gen), f32(b, t, kv, d, gen=gen), f32(b, t, kv, d, gen=gen), f32(b, t, h, d, gen=gen)
    qd, kd, vd = (x.double().requires_grad_() for x in (q, k, v))
    out = attention(qd, kd, vd, docs)
    (out * w.double()).sum().backward()
    put(prefix + ".shape", torch.tensor(shape))
    if docs is not None:
        put(prefix + ".docs", docs)
    for name, x in (("q", q), ("k", k), ("v", v), ("w", w), ("out", out), ("dq", qd.grad), ("dk", kd.grad), ("dv", vd.grad)):
        put(prefix + "." + name, x)


def rope(x, positions, inv, factor, pairing):
    """x [N, H, D]; the first 2*len(inv) dims of each head rotate by float32(position * inv)."""
    angle = (positions.float()[:, None] * inv[None, :]).double()  # float32 product, as HF and llama.cpp
    cos = (torch.cos(angle) * factor)[:, None, :]
    sin = (torch.sin(angle) * factor)[:, None, :]
    r = 2 * inv.shape[0]
    rot, rest = x[..., :r], x[..., r:]
    if pairing == "adjacent":
        x0, x1 = rot[..., 0::2], rot[..., 1::2]
        y = torch.stack((x0 * cos - x1 * sin, x1 * cos + x0 * sin), dim=-1).flatten(-2)
    else:
        x0, x1 = rot[..., : r // 2], rot[..., r // 2:]
        y = torch.cat((x0 * cos - x1 * sin, x1 * cos + x0 * sin), dim=-1)
    return torch.cat((y, rest), dim=-1)


def rope_case(prefix, n, heads, head_dim, rotary, theta, factor, pairing, gen):
    inv = 1.0 / (theta ** (torch.arange(0, rotary, 2, dtype=torch.float32) / rotary))
    positions = torch.randint(0, 300, (n,), generator=gen)
    x, w = f32(n, heads, head_dim, gen=gen), f32(n, heads, head_dim, gen=gen)
    xd = x.double().requires_grad_()
    out = rope(xd, positions, inv, factor, pairing)
    (out * w.double()).sum().backward()
    put(prefix + ".shape", torch.tensor([n, heads, head_dim]))
    put(prefix + ".factor", torch.tensor([factor], dtype=torch.float64))
    for name, t in (("inv", inv), ("positions", positions), ("x", x), ("w", w), ("out", out), ("dx", xd.grad)):
        put(prefix + "." + name, t)


def main():
    gen = torch.Generator().manual_seed(1234)
    attention_case("attn_causal", (2, 75, 4, 2, 16), None, gen)
    b, t = 2, 70
    docs = torch.zeros(b, t, dtype=torch.int64)
    docs[0, 20:] = 1
    docs[0, 55:] = 2
    docs[1, :4] = -1       # left padding
    docs[1, 4:30] = 5
    docs[1, 30:40] = 6
    docs[1, 40:60] = 5     # document 5 resumes after document 6
    docs[1, 60:] = -1      # right padding
    attention_case("attn_docs", (b, t, 4, 2, 20), docs, gen)
    rope_case("rope_adjacent", 9, 3, 16, 16, 10000.0, 1.0, "adjacent", gen)
    rope_case("rope_half_partial", 7, 2, 24, 16, 500000.0, 1.2, "half", gen)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Golden attention outputs from PyTorch for AttentionTest.

Each case is computed the plain way in float64: scores = scale * Q K^T, masked to -inf,
softmax, times V (heads grouped onto KV heads by repeat_interleave, as HF's repeat_kv does).
Writes jllm-tensor/src/test/resources/attention/<case>.txt: a header line
`nQ qPos0 nKv heads kvHeads headDim valueDim scale causal window`, then lines q, k, v, out
of whitespace-separated floats (token-major layouts, see Attention.java).
"""
import os
import torch

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
outdir = os.path.join(root, "jllm-tensor", "src", "test", "resources", "attention")

def case(name, nQ, qPos0, nKv, heads, kvHeads, headDim, valueDim, causal, window, seed):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(nQ, heads, headDim, generator=g).float()
    k = torch.randn(nKv, kvHeads, headDim, generator=g).float()
    v = torch.randn(nKv, kvHeads, valueDim, generator=g).float()
    scale = headDim ** -0.5
    group = heads // kvHeads
    kk = k.double().repeat_interleave(group, dim=1)   # [nKv, heads, d]
    vv = v.double().repeat_interleave(group, dim=1)
    scores = torch.einsum("qhd,khd->hqk", q.double(), kk) * scale
    qpos = torch.arange(nQ).unsqueeze(1) + qPos0
    kpos = torch.arange(nKv).unsqueeze(0)
    visible = torch.ones(nQ, nKv, dtype=torch.bool)
    if causal:
        visible &= kpos <= qpos
    if window > 0:
        visible &= kpos > qpos - window
    scores = scores.masked_fill(~visible, float("-inf"))
    p = torch.softmax(scores, dim=-1)
    out = torch.einsum("hqk,khd->qhd", p, vv).float()
    with open(os.path.join(outdir, name + ".txt"), "w") as f:
        f.write(f"{nQ} {qPos0} {nKv} {heads} {kvHeads} {headDim} {valueDim} {scale!r} {int(causal)} {window}\n")
        for t in (q, k, v, out):
            f.write(" ".join("%.9g" % x for x in t.flatten().tolist()) + "\n")

case("gqa_prefill", nQ=7, qPos0=0, nKv=7, heads=4, kvHeads=2, headDim=16, valueDim=16, causal=True, window=0, seed=1)
case("gqa_chunk", nQ=5, qPos0=3, nKv=8, heads=4, kvHeads=2, headDim=16, valueDim=16, causal=True, window=0, seed=2)
case("sliding_window", nQ=9, qPos0=0, nKv=9, heads=2, kvHeads=2, headDim=8, valueDim=8, causal=True, window=3, seed=3)
case("mqa_mla_dims", nQ=3, qPos0=2, nKv=5, heads=3, kvHeads=1, headDim=33, valueDim=20, causal=True, window=0, seed=4)
case("bidirectional", nQ=6, qPos0=0, nKv=6, heads=2, kvHeads=1, headDim=12, valueDim=12, causal=False, window=0, seed=5)
case("long_decode", nQ=1, qPos0=199, nKv=200, heads=4, kvHeads=1, headDim=32, valueDim=32, causal=True, window=0, seed=6)
print("wrote", outdir)

#!/usr/bin/env python3
"""PyTorch golden for one training step of jllm's Llama (LlamaGoldenStepTest).

Builds a tiny Llama in plain PyTorch with Hugging Face Llama semantics (RMSNorm, SwiGLU,
grouped-query attention, untied output head) except that RoPE rotates ADJACENT pairs, as
llama.cpp's "llama" arch stores q/k rows and as jllm's Llama.init builds it. The batch packs
documents (row 1 holds two, with a cross-document attention mask) and ignores some targets.

It draws initial weights (N(0, 0.02); attn_output and ffn_down N(0, 0.02/sqrt(2*layers)); norms 1),
runs one forward/backward, then from the same start
  * one torch.optim.AdamW step (lr 1e-3, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on the
    2-D matrices other than the embedding), and
  * one Muon step written after Keller Jordan's reference (github.com/KellerJordan/Muon):
    Nesterov momentum 0.95, quintic Newton-Schulz (3.4445, -4.7750, 2.0315), 5 steps, in
    float32, update scaled by max(1, rows/cols)^0.5, on the blocks' 2-D matrices; AdamW
    as above on the embedding, output head and norms.
Files (safetensors, GGUF tensor names, written by hand: no safetensors package needed), in
jllm-models/src/test/resources/train/:
  llama_step_init.safetensors   initial weights; metadata: config, inputs, targets, doc_ids, settings
  llama_step_grads.safetensors  d(mean loss)/d(weight); metadata: loss, tokens
  llama_step_adamw.safetensors  weights after the AdamW step
  llama_step_muon.safetensors   weights after the Muon step
Run: /usr/bin/python3 tools/train/golden_step.py
"""
import json
import math
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(__file__), "../../jllm-models/src/test/resources/train")

DIM, LAYERS, HEADS, KV_HEADS, FFN, VOCAB = 64, 2, 4, 2, 128, 256
BATCH, SEQ = 2, 32
HEAD_DIM = DIM // HEADS
EPS, THETA = 1e-5, 10000.0
IGNORE = -100

ADAM_LR, BETAS, ADAM_EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.95), 1e-8, 0.1
MUON_LR, MUON_MOMENTUM, NS_STEPS, MUON_WEIGHT_DECAY = 0.02, 0.95, 5, 0.1


def names():
    out = ["token_embd.weight"]
    for l in range(LAYERS):
        p = f"blk.{l}."
        out += [p + n for n in ("attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
                                "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight", "ffn_up.weight",
                                "ffn_down.weight")]
    return out + ["output_norm.weight", "output.weight"]


def shape_of(name):
    kv = KV_HEADS * HEAD_DIM
    part = name.split(".")[-2]
    return {"token_embd": (VOCAB, DIM), "attn_norm": (DIM,), "ffn_norm": (DIM,), "output_norm": (DIM,),
            "attn_q": (DIM, DIM), "attn_k": (kv, DIM), "attn_v": (kv, DIM), "attn_output": (DIM, DIM),
            "ffn_gate": (FFN, DIM), "ffn_up": (FFN, DIM), "ffn_down": (DIM, FFN), "output": (VOCAB, DIM)}[part]


def init_weights(gen):
    w = {}
    for n in names():
        s = shape_of(n)
        if len(s) == 1:
            w[n] = torch.ones(s)
        else:
            std = 0.02 / math.sqrt(2 * LAYERS) if ("attn_output" in n or "ffn_down" in n) else 0.02
            w[n] = torch.randn(s, generator=gen) * std
    return w


def rms_norm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w


def rope_adjacent(x):
    """x [B, T, H, D]: pair (2i, 2i+1) rotates by position * inv_freq[i]."""
    inv = 1.0 / (THETA ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
    angle = torch.arange(x.shape[1], dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = torch.cos(angle)[None, :, None, :], torch.sin(angle)[None, :, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x1 * cos + x0 * sin), dim=-1).flatten(-2)


def attention(q, k, v, docs):
    group = HEADS // KV_HEADS
    k = k.repeat_interleave(group, dim=2)
    v = v.repeat_interleave(group, dim=2)
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, H, T, D]
    scores = q @ k.transpose(-1, -2) / math.sqrt(HEAD_DIM)
    t = q.shape[2]
    mask = torch.ones(t, t, dtype=torch.bool).tril()[None] & (docs[:, :, None] == docs[:, None, :])
    p = torch.softmax(scores.masked_fill(~mask[:, None], float("-inf")), dim=-1)
    return (p @ v).transpose(1, 2)


def loss_of(w, inputs, targets, docs):
    x = w["token_embd.weight"][inputs]  # [B, T, DIM]
    b, t = inputs.shape
    for l in range(LAYERS):
        p = f"blk.{l}."
        h = rms_norm(x, w[p + "attn_norm.weight"])
        q = (h @ w[p + "attn_q.weight"].T).view(b, t, HEADS, HEAD_DIM)
        k = (h @ w[p + "attn_k.weight"].T).view(b, t, KV_HEADS, HEAD_DIM)
        v = (h @ w[p + "attn_v.weight"].T).view(b, t, KV_HEADS, HEAD_DIM)
        a = attention(rope_adjacent(q), rope_adjacent(k), v, docs).reshape(b, t, DIM)
        x = x + a @ w[p + "attn_output.weight"].T
        h = rms_norm(x, w[p + "ffn_norm.weight"])
        g = torch.nn.functional.silu(h @ w[p + "ffn_gate.weight"].T) * (h @ w[p + "ffn_up.weight"].T)
        x = x + g @ w[p + "ffn_down.weight"].T
    logits = rms_norm(x, w["output_norm.weight"]) @ w["output.weight"].T
    return torch.nn.functional.cross_entropy(logits.view(-1, VOCAB), targets.view(-1), ignore_index=IGNORE)


def decays(name):
    return len(shape_of(name)) == 2 and name != "token_embd.weight"


def uses_muon(name):
    return name.startswith("blk.") and len(shape_of(name)) == 2


def adamw(params, group_names):
    decay = [params[n] for n in group_names if decays(n)]
    rest = [params[n] for n in group_names if not decays(n)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}],
                             lr=ADAM_LR, betas=BETAS, eps=ADAM_EPS)


def newton_schulz(g, steps):
    """Keller Jordan's quintic iteration, here in float32."""
    a, b, c = (3.4445, -4.7750, 2.0315)
    x = g.float()
    tall = g.size(-2) > g.size(-1)
    if tall:
        x = x.mT
    x = x / (x.norm() + 1e-7)
    for _ in range(steps):
        A = x @ x.mT
        B = b * A + c * A @ A
        x = a * x + B @ x
    return x.mT if tall else x


def muon_step(params, muon_names):
    with torch.no_grad():
        for n in muon_names:
            p = params[n]
            momentum = torch.zeros_like(p)  # first step: a fresh buffer
            momentum.lerp_(p.grad, 1 - MUON_MOMENTUM)
            update = p.grad.lerp(momentum, MUON_MOMENTUM)  # Nesterov
            update = newton_schulz(update, NS_STEPS) * max(1, p.size(-2) / p.size(-1)) ** 0.5
            p.mul_(1 - MUON_LR * MUON_WEIGHT_DECAY)
            p.add_(update, alpha=-MUON_LR)


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    for n, t in tensors.items():
        data = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[n] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    gen = torch.Generator().manual_seed(20261122)
    init = init_weights(gen)
    stream = torch.randint(0, VOCAB, (BATCH, SEQ + 1), generator=gen)
    inputs, targets = stream[:, :-1].clone(), stream[:, 1:].clone()
    docs = torch.zeros(BATCH, SEQ, dtype=torch.int64)
    docs[1, 19:] = 1                       # row 1 packs two documents
    targets[1, 18] = IGNORE                # no prediction across the document boundary
    targets[0, 5:9] = IGNORE               # e.g. a masked prompt

    params = {n: t.clone().requires_grad_() for n, t in init.items()}
    loss = loss_of(params, inputs, targets, docs)
    loss.backward()
    grads = {n: params[n].grad.clone() for n in names()}
    tokens = int((targets != IGNORE).sum())

    opt = adamw(params, names())
    opt.step()
    after_adamw = {n: params[n].detach().clone() for n in names()}

    params = {n: t.clone().requires_grad_() for n, t in init.items()}
    for n in names():
        params[n].grad = grads[n].clone()
    aux = adamw(params, [n for n in names() if not uses_muon(n)])
    aux.step()
    muon_step(params, [n for n in names() if uses_muon(n)])
    after_muon = {n: params[n].detach().clone() for n in names()}

    os.makedirs(OUT, exist_ok=True)
    flat = lambda t: " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    meta = {"config": json.dumps({"dim": DIM, "layers": LAYERS, "heads": HEADS, "kv_heads": KV_HEADS, "ffn": FFN,
                                  "vocab": VOCAB, "batch": BATCH, "seq": SEQ, "eps": EPS, "rope_theta": THETA}),
            "inputs": flat(inputs), "targets": flat(targets), "doc_ids": flat(docs),
            "adamw": json.dumps({"lr": ADAM_LR, "betas": BETAS, "eps": ADAM_EPS, "weight_decay": WEIGHT_DECAY}),
            "muon": json.dumps({"lr": MUON_LR, "momentum": MUON_MOMENTUM, "ns_steps": NS_STEPS,
                                "weight_decay": MUON_WEIGHT_DECAY, "nesterov": True}),
            "torch": torch.__version__}
    write_safetensors(os.path.join(OUT, "llama_step_init.safetensors"), init, meta)
    write_safetensors(os.path.join(OUT, "llama_step_grads.safetensors"), grads, {"loss": repr(loss.item()), "tokens": tokens})
    write_safetensors(os.path.join(OUT, "llama_step_adamw.safetensors"), after_adamw, {})
    write_safetensors(os.path.join(OUT, "llama_step_muon.safetensors"), after_muon, {})
    print("loss", loss.item(), "tokens", tokens, "->", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch CPU twin of LlamaStepBench: the same 6-layer d=384 Llama (6 heads, ffn 1536,
vocab 8192, adjacent-pair RoPE, SwiGLU, RMSNorm), batch 8 x 256, one forward + backward +
torch.optim.AdamW step, timed. Attention is the plain masked softmax (torch 1.13 has no
fused CPU attention), float32.
Run: /usr/bin/python3 tools/train/bench_step_torch.py [threads] [steps]
"""
import math
import os
import sys
import time

# Spinning libgomp threads starve on a shared machine (see torch_bench.py); set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
DIM, LAYERS, HEADS, FFN, VOCAB, BATCH, SEQ = 384, 6, 6, 1536, 8192, 8, 256
HD = DIM // HEADS
torch.set_num_threads(THREADS)
torch.manual_seed(0)


def p(*shape, std=0.02):
    return (torch.randn(*shape) * std).requires_grad_()


W = {"emb": p(VOCAB, DIM), "out": p(VOCAB, DIM), "norm": torch.ones(DIM, requires_grad=True)}
for l in range(LAYERS):
    for n, s in (("q", (DIM, DIM)), ("k", (DIM, DIM)), ("v", (DIM, DIM)), ("o", (DIM, DIM)),
                 ("gate", (FFN, DIM)), ("up", (FFN, DIM)), ("down", (DIM, FFN))):
        W[f"{l}.{n}"] = p(*s)
    W[f"{l}.n1"] = torch.ones(DIM, requires_grad=True)
    W[f"{l}.n2"] = torch.ones(DIM, requires_grad=True)

inv = 1.0 / (10000.0 ** (torch.arange(0, HD, 2, dtype=torch.float32) / HD))
ang = torch.arange(SEQ, dtype=torch.float32)[:, None] * inv[None]
COS, SIN = torch.cos(ang)[None, :, None], torch.sin(ang)[None, :, None]
MASK = torch.ones(SEQ, SEQ, dtype=torch.bool).tril()


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w


def rope(x):
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * COS - x1 * SIN, x1 * COS + x0 * SIN), -1).flatten(-2)


def loss_of(inputs, targets):
    x = W["emb"][inputs]
    for l in range(LAYERS):
        h = rms(x, W[f"{l}.n1"])
        q = rope((h @ W[f"{l}.q"].T).view(BATCH, SEQ, HEADS, HD)).transpose(1, 2)
        k = rope((h @ W[f"{l}.k"].T).view(BATCH, SEQ, HEADS, HD)).transpose(1, 2)
        v = (h @ W[f"{l}.v"].T).view(BATCH, SEQ, HEADS, HD).transpose(1, 2)
        s = (q @ k.transpose(-1, -2) / math.sqrt(HD)).masked_fill(~MASK, float("-inf"))
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(BATCH, SEQ, DIM)
        x = x + a @ W[f"{l}.o"].T
        h = rms(x, W[f"{l}.n2"])
        x = x + (torch.nn.functional.silu(h @ W[f"{l}.gate"].T) * (h @ W[f"{l}.up"].T)) @ W[f"{l}.down"].T
    logits = rms(x, W["norm"]) @ W["out"].T
    return torch.nn.functional.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))


opt = torch.optim.AdamW(W.values(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
inputs = torch.randint(0, VOCAB, (BATCH, SEQ))
targets = torch.randint(0, VOCAB, (BATCH, SEQ))
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
      f"{sum(t.numel() for t in W.values())} parameters, batch {BATCH} x {SEQ}")
for step in range(-1, STEPS):
    t0 = time.perf_counter()
    with torch.no_grad():
        loss_of(inputs, targets)
    t1 = time.perf_counter()
    opt.zero_grad()
    loss = loss_of(inputs, targets)
    loss.backward()
    t2 = time.perf_counter()
    opt.step()
    t3 = time.perf_counter()
    print(f"{'warmup' if step < 0 else 'step %d' % step} loss {loss.item():.4f}: forward only {t1 - t0:.2f} s, "
          f"forward+backward {t2 - t1:.2f} s, AdamW {t3 - t2:.3f} s, train step {t3 - t1:.2f} s")

#!/usr/bin/python3
"""PyTorch CPU training throughput on the shape `jllm bench train` times, for a side-by-side ratio.

The model is the Llama architecture jllm trains (token embedding, pre-RMSNorm blocks with RoPE
grouped-query causal attention and a SwiGLU MLP, final RMSNorm, optionally tied output head),
float32, on random tokens. One step = forward + cross-entropy + backward + clip_grad_norm_(1.0)
+ AdamW(betas 0.9/0.95, wd 0.1). Warm-up steps are not timed.

Usage: tools/train/torch_bench.py --dim 384 --layers 6 --heads 6 --kv-heads 6 --ffn 1024 \
           --vocab 8192 --context 256 --batch 8 [--untied] [--threads 2] [--steps 5] [--warmup 2]
Prints one JSON object: tokens_per_s, seconds_per_step, parameters, peak_rss_mb, threads,
omp_wait_policy, torch.
"""
import argparse, json, math, os, time

# libgomp's default wait policy spins between parallel regions; on a machine where other work
# competes for the cores that spinning starves the threads doing the work (a 1-layer step measured
# 16x slower than with PASSIVE on the loaded 2-core box). Must be set before torch loads libgomp;
# an OMP_WAIT_POLICY already in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
for name, default in [("dim", 384), ("layers", 6), ("heads", 6), ("kv-heads", 6), ("ffn", 1024), ("vocab", 8192),
                      ("context", 256), ("batch", 8), ("threads", 2), ("steps", 5), ("warmup", 2)]:
    ap.add_argument("--" + name, type=int, default=default)
ap.add_argument("--untied", action="store_true")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
HD = a.dim // a.heads


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.w


def rope(x, cos, sin):  # adjacent pairs (x0, x1), (x2, x3), ... as llama.cpp's llama layout
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), -1).flatten(-2)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = RMSNorm(a.dim), RMSNorm(a.dim)
        self.q = nn.Linear(a.dim, a.heads * HD, bias=False)
        self.k = nn.Linear(a.dim, a.kv_heads * HD, bias=False)
        self.v = nn.Linear(a.dim, a.kv_heads * HD, bias=False)
        self.o = nn.Linear(a.heads * HD, a.dim, bias=False)
        self.gate = nn.Linear(a.dim, a.ffn, bias=False)
        self.up = nn.Linear(a.dim, a.ffn, bias=False)
        self.down = nn.Linear(a.ffn, a.dim, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        h = self.n1(x)
        q = rope(self.q(h).view(B, T, a.heads, HD).transpose(1, 2), cos, sin)
        k = rope(self.k(h).view(B, T, a.kv_heads, HD).transpose(1, 2), cos, sin)
        v = self.v(h).view(B, T, a.kv_heads, HD).transpose(1, 2)
        rep = a.heads // a.kv_heads
        if rep > 1:
            k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HD) + mask, -1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(B, T, -1))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(a.vocab, a.dim)
        self.blocks = nn.ModuleList(Block() for _ in range(a.layers))
        self.norm = RMSNorm(a.dim)
        self.head = None if not a.untied else nn.Linear(a.dim, a.vocab, bias=False)
        inv = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD))
        ang = torch.outer(torch.arange(a.context).float(), inv)
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())
        self.register_buffer("mask", torch.full((a.context, a.context), float("-inf")).triu(1))

    def forward(self, idx):
        x = self.emb(idx)
        for b in self.blocks:
            x = b(x, self.cos, self.sin, self.mask)
        x = self.norm(x)
        return x @ (self.emb.weight if self.head is None else self.head.weight).T


model = Llama()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
inp = torch.randint(0, a.vocab, (a.batch, a.context))
tgt = torch.randint(0, a.vocab, (a.batch, a.context))


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(inp).view(-1, a.vocab), tgt.view(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def peak_rss_mb():
    # VmHWM belongs to this address space; getrusage's ru_maxrss survives exec and would report
    # the launching JVM's peak when `jllm bench train` starts this script.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return -1.0


for _ in range(a.warmup):
    step()
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
secs = (time.perf_counter() - t0) / a.steps
print(json.dumps({"tokens_per_s": a.batch * a.context / secs, "seconds_per_step": secs,
                  "parameters": sum(p.numel() for p in model.parameters()),
                  "peak_rss_mb": peak_rss_mb(),
                  "threads": torch.get_num_threads(), "omp_wait_policy": os.environ["OMP_WAIT_POLICY"],
                  "torch": torch.__version__}))

#!/usr/bin/python3
"""Forward + backward time of the hot training ops in PyTorch on CPU, for comparison with
dev.jllm.nn.autograd.AutogradBench (same shapes, same thread count).

Run: /usr/bin/python3 tools/autograd/bench_ops_torch.py [threads]   (default 2)
"""
import sys
import time
import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
N, D, H, V = 2048, 512, 1408, 8192  # tokens, model dim, FFN dim, vocabulary


def bench(name, fn, reps=5):
    fn()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{name:28s} {best * 1e3:9.2f} ms")


x = torch.randn(N, D, requires_grad=True)
w = (torch.randn(H, D) * 0.02).requires_grad_(True)
g = torch.randn(N, H, requires_grad=True)
u = torch.randn(N, H, requires_grad=True)
nw = torch.ones(D, requires_grad=True)
head = (torch.randn(V, D) * 0.02).requires_grad_(True)
targets = torch.randint(0, V, (N,))
table = (torch.randn(V, D) * 0.02).requires_grad_(True)


def linear():
    (x @ w.T).backward(torch.ones(N, H))


def swiglu():
    (F.silu(g) * u).backward(torch.ones(N, H))


def rmsnorm():
    (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * nw).backward(torch.ones(N, D))


def cross_entropy():
    F.cross_entropy(x @ head.T, targets).backward()


def embedding():
    F.embedding(targets, table).backward(torch.ones(N, D))


print(f"torch {torch.__version__}, {threads} threads, N={N} D={D} H={H} V={V}")
bench("linear [N,D]x[H,D]^T", linear)
bench("swiglu [N,H]", swiglu)
bench("rmsNorm [N,D]", rmsnorm)
bench("cross-entropy head V", cross_entropy)
bench("embedding [V,D]", embedding)

#!/usr/bin/python3
"""PyTorch goldens for jllm's autograd ops (dev.jllm.nn.autograd).

For each op: fixed small float32 inputs (seeded), the forward output, and the gradients of
L = sum(c * out) for a fixed random c (or of the scalar loss itself), computed by torch autograd
in float64 from the float32 inputs. Writes one line per array, "name v0 v1 ...", to
jllm-nn/src/test/resources/autograd/ops_golden.txt; AutogradGoldenTest reads it.

Run: /usr/bin/python3 tools/autograd/make_autograd_goldens.py   (torch 1.13)
"""
import math
import os
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "jllm-nn", "src", "test", "resources", "autograd", "ops_golden.txt")
IGNORE = -100
gen = torch.Generator().manual_seed(20261122)
lines = []


def rand(*shape, scale=1.0):
    """float32 inputs, kept as float64 tensors holding exactly those float32 values."""
    return ((torch.rand(*shape, generator=gen) * 2 - 1) * scale).float().double()


def put(name, t):
    t = t.detach().reshape(-1)
    if t.dtype in (torch.int64, torch.int32):
        lines.append(name + " " + " ".join(str(int(v)) for v in t.tolist()))
    else:
        lines.append(name + " " + " ".join(repr(float(v)) for v in t.tolist()))


def case(name, fn, inputs, ints=None):
    """inputs: dict name -> tensor (differentiated); fn(**inputs) -> output; L = sum(c * out)."""
    for k, v in (ints or {}).items():
        put(f"{name}.{k}", v)
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves)
    c = rand(*out.shape) if out.dim() > 0 else torch.tensor(1.0, dtype=torch.float64)
    (out * c).sum().backward()
    for k, v in inputs.items():
        put(f"{name}.{k}", v)
    put(f"{name}.c", c)
    put(f"{name}.out", out)
    for k, v in leaves.items():
        put(f"{name}.d{k}", v.grad)


# ---- matmul family ----
case("linear", lambda x, w, b: x @ w.T + b, dict(x=rand(2, 3, 8), w=rand(6, 8), b=rand(6)))
for ta in (False, True):
    for tb in (False, True):
        m, n, k = 5, 7, 6
        a = rand(k, m) if ta else rand(m, k)
        b = rand(n, k) if tb else rand(k, n)
        case(f"matmul_{int(ta)}{int(tb)}", lambda a, b, ta=ta, tb=tb: (a.T if ta else a) @ (b.T if tb else b), dict(a=a, b=b))
case("bmm", lambda a, b: a @ b.transpose(1, 2), dict(a=rand(3, 5, 4), b=rand(3, 6, 4)))

# ---- embedding ----
ids = torch.tensor([3, 1, 3, 0, 9, 3, 7], dtype=torch.int64)
case("embedding", lambda table: table[ids], dict(table=rand(10, 5)), ints=dict(ids=ids))

# ---- norms ----
case("rmsnorm", lambda x, w: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w,
     dict(x=rand(5, 16, scale=2), w=rand(16, scale=1.5)))
case("layernorm", lambda x, w, b: F.layer_norm(x, (16,), w, b, 1e-5),
     dict(x=rand(5, 16, scale=2), w=rand(16, scale=1.5), b=rand(16)))

# ---- activations ----
case("silu", lambda x: F.silu(x), dict(x=rand(41, scale=4)))
case("gelu", lambda x: F.gelu(x), dict(x=rand(41, scale=4)))
case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), dict(x=rand(41, scale=4)))
case("swiglu", lambda g, u: F.silu(g) * u, dict(g=rand(3, 19, scale=3), u=rand(3, 19, scale=2)))
case("softmax", lambda x: torch.softmax(x, -1), dict(x=rand(4, 13, scale=3)))

# ---- arithmetic and shapes ----
case("add_bias", lambda a, b: a + b, dict(a=rand(4, 9), b=rand(9)))
case("mul", lambda a, b: a * b, dict(a=rand(4, 9), b=rand(4, 9)))
case("permute", lambda x: x.permute(2, 0, 1).contiguous(), dict(x=rand(2, 3, 4)))
case("slice", lambda x: x[:, 1:4, :], dict(x=rand(2, 5, 3)))
case("concat", lambda a, b: torch.cat([a, b], 1), dict(a=rand(2, 2, 3), b=rand(2, 3, 3)))

# ---- fused linear cross-entropy with ignore index and z-loss ----
targets = torch.tensor([4, IGNORE, 49, 0, 7, IGNORE, 7, 13, 1, 30, 30, IGNORE, 2, 45, 8, 19, 0, 21, IGNORE, 11],
                       dtype=torch.int64)
Z = 1e-2


def fused_ce(h, w):
    logits = h @ w.T
    keep = targets != IGNORE
    ce = F.cross_entropy(logits, targets, ignore_index=IGNORE, reduction="none")[keep]
    lse = torch.logsumexp(logits, -1)[keep]
    return (ce + Z * lse * lse).mean()


case("ce", fused_ce, dict(h=rand(20, 16, scale=1.5), w=rand(50, 16, scale=1.5)), ints=dict(targets=targets))



def smoothed_ce(h, w):
    """torch's label_smoothing (mean over counted tokens with ignore_index) plus the z-loss."""
    logits = h @ w.T
    keep = targets != IGNORE
    lse = torch.logsumexp(logits, -1)[keep]
    return F.cross_entropy(logits, targets, ignore_index=IGNORE, label_smoothing=0.1) + Z * (lse * lse).mean()


case("ce_smooth", smoothed_ce, dict(h=rand(20, 16, scale=1.5), w=rand(50, 16, scale=1.5)), ints=dict(targets=targets))


def token_logprobs(h, w):
    lp = torch.log_softmax(h @ w.T, -1)
    keep = targets != IGNORE
    return torch.where(keep, lp.gather(1, targets.clamp(min=0).unsqueeze(1)).squeeze(1), torch.zeros(()).double())


case("logprobs", token_logprobs, dict(h=rand(20, 16, scale=1.5), w=rand(50, 16, scale=1.5)), ints=dict(targets=targets))

# ---- MoE routing (Mixtral top-2, renormalized; and plain top-k probabilities) ----
E, K, T, D = 6, 2, 12, 4
router = rand(T, E, scale=2)


def gates(logits, renorm):
    p = torch.softmax(logits, -1)
    top, idx = torch.topk(p, K, dim=-1)
    return (top / top.sum(-1, keepdim=True) if renorm else top), idx


_, experts = gates(router, True)
put("moe.experts", experts)
case("moe_gates", lambda logits: gates(logits, True)[0], dict(logits=router))
case("moe_gates_plain", lambda logits: gates(logits, False)[0], dict(logits=router))


def combine(logits, y):
    g, idx = gates(logits, True)
    out = torch.zeros(T, D, dtype=torch.float64)
    for j in range(K):  # expert e's output for token t is row e*T + t of y
        out = out + g[:, j:j + 1] * y[idx[:, j] * T + torch.arange(T)]
    return out


case("moe_combine", combine, dict(logits=router, y=rand(E * T, D)))


def load_balancing(logits):
    """HF Mixtral load_balancing_loss_func (no attention mask): E * sum(f_i * P_i)."""
    p = torch.softmax(logits, -1)
    _, idx = torch.topk(p, K, dim=-1)
    mask = F.one_hot(idx, E).double()          # [T, K, E]
    tokens_per_expert = mask.mean(0)           # [K, E]
    prob_per_expert = p.mean(0)                # [E]
    return (tokens_per_expert * prob_per_expert.unsqueeze(0)).sum() * E


case("moe_aux", load_balancing, dict(logits=router))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"wrote {len(lines)} arrays to {os.path.normpath(OUT)}")

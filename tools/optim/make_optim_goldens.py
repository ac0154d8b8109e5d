#!/usr/bin/env python3
"""Reference trajectories for dev.jllm.nn.optim (run with /usr/bin/python3: torch 1.13 + numpy).

Writes jllm-nn/src/test/resources/optim/optim_goldens.txt, one array per line:
``name v0 v1 ...`` (float32 values printed shortest-round-trip, ints as ints).

Every optimizer case starts from the same weights and replays the same gradient sequence with
a per-step learning rate; after each step all weights are recorded as ``<case>/<step>/<param>``.
SGD, AdamW and clip_grad_norm_ are torch's own; Lion, Adafactor (Hugging Face's published
algorithm) and Muon (Keller Jordan's reference) are written out below because torch 1.13 has
none of them. The Java configurations in OptimizerGoldenTest mirror CASES here.
"""
import math
import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "jllm-nn", "src", "test", "resources", "optim",
                   "optim_goldens.txt")

# name, shape, decay (mirrors Parameter.decay: matrices yes, norms/embeddings no)
PARAMS = [
    ("blk.0.w_tall", (6, 4), True),      # rows > cols: Muon transposes
    ("blk.0.w_wide", (3, 5), True),      # rows < cols
    ("blk.0.norm", (5,), False),         # 1-D: Adafactor keeps a full v, Muon routes it to AdamW
    ("token_embd.weight", (7, 3), False),  # embedding: Muon routes it to AdamW
    ("blk.0.experts", (2, 3, 4), True),  # rank 3: Adafactor factors the last two dims per batch
    ("blk.0.attn_q.weight", (16, 24), True),  # large enough for sgemm's blocked path in Newton-Schulz
]
STEPS = 6
LRS = [0.05, 0.04, 0.03, 0.03, 0.02, 0.01]

lines = []


def fmt(x):
    return np.format_float_positional(np.float32(x), unique=True, trim="-") if np.isfinite(x) else repr(float(x))


def put(name, values):
    arr = np.asarray(values, dtype=np.float32).reshape(-1)
    lines.append(name + " " + " ".join(fmt(v) for v in arr))


def put_ints(name, values):
    lines.append(name + " " + " ".join(str(int(v)) for v in values))


gen = torch.Generator().manual_seed(1234)
INIT = [torch.randn(shape, generator=gen) for _, shape, _ in PARAMS]
GRADS = [[torch.randn(shape, generator=gen) * (0.5 + 0.25 * k) for _, shape, _ in PARAMS] for k in range(STEPS)]

for (name, shape, decay), w in zip(PARAMS, INIT):
    put_ints("shape/" + name, shape)
    put_ints("decay/" + name, [1 if decay else 0])
    put("init/" + name, w)
for k in range(STEPS):
    for (name, _, _), g in zip(PARAMS, GRADS[k]):
        put("grad/%d/%s" % (k, name), g)
put("lr", LRS)


def fresh():
    return [torch.nn.Parameter(w.clone()) for w in INIT]


def record(case, k, params):
    for (name, _, _), p in zip(PARAMS, params):
        put("%s/%d/%s" % (case, k, name), p.detach())


def groups(params, wd):
    dec = [p for p, (_, _, d) in zip(params, PARAMS) if d]
    nodec = [p for p, (_, _, d) in zip(params, PARAMS) if not d]
    return [{"params": dec, "weight_decay": wd}, {"params": nodec, "weight_decay": 0.0}]


def run_torch(case, make):
    params = fresh()
    opt = make(params)
    for k in range(STEPS):
        for g_ in opt.param_groups:
            g_["lr"] = LRS[k]
        for p, g in zip(params, GRADS[k]):
            p.grad = g.clone()
        opt.step()
        record(case, k, params)


# ---- torch's own optimizers ------------------------------------------------------------
run_torch("sgd_plain", lambda ps: torch.optim.SGD(ps, lr=0.1))
run_torch("sgd_momentum", lambda ps: torch.optim.SGD(groups(ps, 0.01), lr=0.1, momentum=0.9))
run_torch("sgd_nesterov", lambda ps: torch.optim.SGD(groups(ps, 0.01), lr=0.1, momentum=0.9, nesterov=True))
run_torch("sgd_dampening", lambda ps: torch.optim.SGD(groups(ps, 0.0), lr=0.1, momentum=0.8, dampening=0.3))
run_torch("adamw", lambda ps: torch.optim.AdamW(groups(ps, 0.1), lr=0.1, betas=(0.9, 0.999), eps=1e-8))
run_torch("adamw_llm", lambda ps: torch.optim.AdamW(groups(ps, 0.05), lr=0.1, betas=(0.9, 0.95), eps=1e-6))


# ---- Lion (Chen et al. 2023, Algorithm 2) ------------------------------------------------
def lion(case, beta1, beta2, wd):
    params = fresh()
    m = [torch.zeros_like(p) for p in params]
    with torch.no_grad():
        for k in range(STEPS):
            lr = LRS[k]
            for i, (p, (_, _, decay)) in enumerate(zip(params, PARAMS)):
                g = GRADS[k][i]
                if decay:
                    p.mul_(1 - lr * wd)
                c = m[i] * beta1 + g * (1 - beta1)
                p.add_(torch.sign(c), alpha=-lr)
                m[i].mul_(beta2).add_(g, alpha=1 - beta2)
            record(case, k, params)


lion("lion", 0.9, 0.99, 0.1)


# ---- Adafactor (Shazeer & Stern 2018, as in Hugging Face transformers) ------------------------
def adafactor(case, lr_external, eps=(1e-30, 1e-3), clip=1.0, decay_rate=-0.8, beta1=None, wd=0.0,
              scale_parameter=True, relative_step=True, warmup_init=False):
    params = fresh()
    state = [dict() for _ in params]
    with torch.no_grad():
        for k in range(STEPS):
            for i, (p, (_, shape, decay)) in enumerate(zip(params, PARAMS)):
                g = GRADS[k][i]
                st = state[i]
                factored = len(shape) >= 2
                if not st:
                    st["step"] = 0
                    if beta1 is not None:
                        st["m"] = torch.zeros_like(g)
                    if factored:
                        st["row"] = torch.zeros(shape[:-1])
                        st["col"] = torch.zeros(shape[:-2] + shape[-1:])
                    else:
                        st["v"] = torch.zeros_like(g)
                st["step"] += 1
                t = st["step"]
                rms_p = p.norm(2) / (p.numel() ** 0.5)
                rho = LRS[k] if lr_external else None
                if relative_step:
                    rho = min(1e-6 * t if warmup_init else 1e-2, 1.0 / math.sqrt(t))
                alpha = (max(eps[1], rms_p) if scale_parameter else 1.0) * rho
                beta2t = 1.0 - math.pow(t, decay_rate)
                sq = g ** 2 + eps[0]
                if factored:
                    st["row"].mul_(beta2t).add_(sq.mean(dim=-1), alpha=1.0 - beta2t)
                    st["col"].mul_(beta2t).add_(sq.mean(dim=-2), alpha=1.0 - beta2t)
                    r = (st["row"] / st["row"].mean(dim=-1, keepdim=True)).rsqrt().unsqueeze(-1)
                    c = st["col"].unsqueeze(-2).rsqrt()
                    u = (r * c) * g
                else:
                    st["v"].mul_(beta2t).add_(sq, alpha=1.0 - beta2t)
                    u = st["v"].rsqrt() * g
                u = u / ((u.norm(2) / (u.numel() ** 0.5)) / clip).clamp(min=1.0)
                u = u * alpha
                if beta1 is not None:
                    st["m"].mul_(beta1).add_(u, alpha=1 - beta1)
                    u = st["m"]
                if wd != 0 and decay:
                    p.add_(p, alpha=-wd * float(alpha))
                p.add_(-u)
            record(case, k, params)


adafactor("adafactor_default", lr_external=False)
adafactor("adafactor_external", lr_external=True, beta1=0.9, wd=0.01, scale_parameter=False, relative_step=False)
adafactor("adafactor_scaled", lr_external=True, scale_parameter=True, relative_step=False, beta1=None, wd=0.1)


# ---- Muon (Keller Jordan's reference; float32 here) -------------------------------------
def newton_schulz5(G, steps):
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G.float()
    tall = X.size(0) > X.size(1)
    if tall:
        X = X.T
    X = X / (X.norm() + 1e-7)
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * A @ A
        X = a * X + B @ X
    return X.T if tall else X


def muon(case, momentum=0.95, nesterov=True, ns_steps=5, wd=0.0, ratio=0.015, adam=(0.9, 0.95, 1e-10)):
    params = fresh()
    is_muon = [len(shape) == 2 and not name.startswith("token_embd") for name, shape, _ in PARAMS]
    muon_params = [p for p, m in zip(params, is_muon) if m]
    rest = [(p, d) for p, m, (_, _, d) in zip(params, is_muon, PARAMS) if not m]
    inner = torch.optim.AdamW([{"params": [p for p, d in rest if d], "weight_decay": wd},
                               {"params": [p for p, d in rest if not d], "weight_decay": 0.0}],
                              lr=1.0, betas=adam[:2], eps=adam[2])
    bufs = [torch.zeros_like(p) for p in muon_params]
    decays = [d for (_, _, d), m in zip(PARAMS, is_muon) if m]
    for k in range(STEPS):
        lr = LRS[k]
        for p, g in zip(params, GRADS[k]):
            p.grad = g.clone()
        with torch.no_grad():
            for p, buf, d in zip(muon_params, bufs, decays):
                g = p.grad.clone()
                buf.lerp_(g, 1 - momentum)
                u = g.lerp_(buf, momentum) if nesterov else buf
                u = newton_schulz5(u, ns_steps)
                u = u * max(1, p.size(-2) / p.size(-1)) ** 0.5
                if d:
                    p.mul_(1 - lr * wd)
                p.add_(u.reshape(p.shape), alpha=-lr)
        for g_ in inner.param_groups:
            g_["lr"] = lr * ratio
        inner.step()
        record(case, k, params)


muon("muon", wd=0.1)
muon("muon_plain", nesterov=False, ns_steps=3, wd=0.0, ratio=0.1)


# ---- BF16 weights over F32 masters, AdamW stepping the masters ------------------------------
def bf16(t):
    return t.to(torch.bfloat16).float()


def mixed_adamw(case):
    masters = fresh()
    opt = torch.optim.AdamW(groups(masters, 0.1), lr=0.1, betas=(0.9, 0.95), eps=1e-8)
    for k in range(STEPS):
        for g_ in opt.param_groups:
            g_["lr"] = LRS[k] * 0.1
        for p, g in zip(masters, GRADS[k]):
            p.grad = g.clone()
        opt.step()
        record(case, k, [bf16(m.detach()) for m in masters])
        record(case + "_master", k, masters)


mixed_adamw("bf16_adamw")
for (name, _, _), w in zip(PARAMS, INIT):
    put("bf16_init/" + name, bf16(w))


# ---- clip_grad_norm_ ------------------------------------------------------------------------
for case, max_norm in (("clip_active", 1.5), ("clip_inactive", 1e4)):
    params = fresh()
    for p, g in zip(params, GRADS[3]):
        p.grad = g.clone()
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    put(case + "/norm", [norm.item()])
    for (name, _, _), p in zip(PARAMS, params):
        put("%s/%s" % (case, name), p.grad)


# ---- LR schedules via torch.optim.lr_scheduler ------------------------------------------------
def schedule_values(lam, peak, n):
    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=peak)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


PEAK, MIN, WARM, TOTAL = 3e-3, 3e-4, 10, 100


def cosine_factor(s):
    if s < WARM:
        return s / WARM
    if s >= TOTAL:
        return MIN / PEAK
    x = (s - WARM) / (TOTAL - WARM)
    return (MIN + (PEAK - MIN) * 0.5 * (1 + math.cos(math.pi * x))) / PEAK


cos_vals = schedule_values(cosine_factor, PEAK, TOTAL + 5)
# Cross-check the decay leg against torch's own CosineAnnealingLR (recursive form).
w = torch.nn.Parameter(torch.zeros(1))
opt = torch.optim.SGD([w], lr=PEAK)
ca = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=TOTAL - WARM, eta_min=MIN)
for s in range(WARM, TOTAL):
    assert abs(opt.param_groups[0]["lr"] - cos_vals[s]) < 1e-12, (s, opt.param_groups[0]["lr"], cos_vals[s])
    opt.step()
    ca.step()
lines.append("sched/cosine " + " ".join(repr(v) for v in cos_vals))

DECAY_FRACTION = 0.2


def wsd_factor(shape):
    start = TOTAL - round(DECAY_FRACTION * TOTAL)

    def f(s):
        if s < WARM:
            return s / WARM
        if s < start:
            return 1.0
        if s >= TOTAL:
            return MIN / PEAK
        x = (s - start) / (TOTAL - start)
        if shape == "linear":
            v = PEAK + (MIN - PEAK) * x
        elif shape == "cosine":
            v = MIN + (PEAK - MIN) * 0.5 * (1 + math.cos(math.pi * x))
        else:
            v = MIN + (PEAK - MIN) * (1 - math.sqrt(x))
        return v / PEAK
    return f


for shape in ("linear", "cosine", "sqrt"):
    vals = schedule_values(wsd_factor(shape), PEAK, TOTAL + 5)
    lines.append("sched/wsd_%s " % shape + " ".join(repr(v) for v in vals))

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote", os.path.normpath(OUT), len(lines), "lines", file=sys.stderr)

#!/usr/bin/python3
"""Golden sampling distributions from PyTorch, following Hugging Face transformers' logits
processors (RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper,
TopPLogitsWarper, MinPLogitsWarper, applied in generate()'s order) plus OpenAI-style
frequency/presence penalties applied after the repetition penalty.

Writes jllm-engine/src/test/resources/sampling/cases.txt, three lines per case:
`temperature top_k top_p min_p repetition frequency presence`, the history ids, then
`logits... | probs...`.
"""
import os
import torch

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "jllm-engine", "src", "test", "resources", "sampling", "cases.txt")

def reference(logits, history, t, k, p, minp, rep, freq, pres):
    s = logits.clone().double().unsqueeze(0)
    if history:
        ids = torch.tensor(history).unsqueeze(0)
        if rep != 1.0:  # HF: gather, scale by sign, scatter (duplicates give the same value)
            g = torch.gather(s, 1, ids)
            g = torch.where(g < 0, g * rep, g / rep)
            s = s.scatter(1, ids, g)
        counts = torch.bincount(torch.tensor(history), minlength=s.shape[1]).double().unsqueeze(0)
        s = s - counts * freq - (counts > 0).double() * pres
    s = s / t
    if k > 0:
        kth = torch.topk(s, min(k, s.shape[-1]))[0][..., -1, None]
        s = s.masked_fill(s < kth, float("-inf"))
    if p < 1.0:
        sorted_logits, sorted_idx = torch.sort(s, descending=False)
        cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        remove = cum <= (1 - p)
        remove[..., -1:] = False
        s = s.masked_fill(remove.scatter(1, sorted_idx, remove), float("-inf"))
    if minp > 0:
        probs = torch.softmax(s, dim=-1)
        top = probs.amax(dim=-1, keepdim=True)
        remove = probs < minp * top
        s = s.masked_fill(remove, float("-inf"))
    return torch.softmax(s, dim=-1)[0]

g = torch.Generator().manual_seed(0)
cases = []
for i, (t, k, p, minp, rep, freq, pres) in enumerate([
    (1.0, 0, 1.0, 0.0, 1.0, 0.0, 0.0),
    (0.7, 0, 1.0, 0.0, 1.0, 0.0, 0.0),
    (1.0, 5, 1.0, 0.0, 1.0, 0.0, 0.0),
    (1.0, 0, 0.9, 0.0, 1.0, 0.0, 0.0),
    (1.0, 0, 0.5, 0.0, 1.0, 0.0, 0.0),
    (1.0, 0, 1.0, 0.1, 1.0, 0.0, 0.0),
    (0.8, 40, 0.95, 0.05, 1.0, 0.0, 0.0),
    (1.0, 0, 1.0, 0.0, 1.3, 0.0, 0.0),
    (1.2, 10, 0.8, 0.0, 1.1, 0.5, 0.3),
    (0.5, 3, 1.0, 0.2, 1.0, 0.2, 0.0),
]):
    logits = (torch.randn(64, generator=g) * 3).float()
    history = torch.randint(0, 64, (12,), generator=g).tolist()
    cases.append(((t, k, p, minp, rep, freq, pres), history, logits,
                  reference(logits, history, t, k, p, minp, rep, freq, pres).float()))
with open(out, "w") as f:
    for params, history, logits, probs in cases:
        f.write(" ".join(repr(x) for x in params) + "\n")
        f.write(" ".join(str(x) for x in history) + "\n")
        f.write(" ".join("%.9g" % x for x in logits.tolist()) + " | " + " ".join("%.9g" % x for x in probs.tolist()) + "\n")
print("wrote", out, len(cases), "cases")

#!/usr/bin/python3
"""Golden F16/BF16 conversions from PyTorch, for TensorTest.

Writes jllm-tensor/src/test/resources/tensor/half.txt: one line per value
`<f32 bits hex> <torch f16 bits hex> <torch bf16 bits hex>`, covering normal values,
halfway cases (round to nearest even), subnormals, overflow to inf, and NaN.
"""
import os, struct
import torch

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "jllm-tensor", "src", "test", "resources", "tensor", "half.txt")

g = torch.Generator().manual_seed(0)
vals = torch.cat([
    torch.randn(400, generator=g) * 10,
    torch.randn(100, generator=g) * 1e-6,    # f16 subnormals
    torch.randn(50, generator=g) * 1e5,      # beyond f16 range
    torch.tensor([0.0, -0.0, 1.0, -1.0, 65504.0, 65520.0, 1e-8, 3.0e38, float("inf"), float("-inf")]),
]).float()
# Exact halfway cases between adjacent bf16 values (low 16 bits = 0x8000), both parities.
halfway = torch.tensor([0x3f808000, 0x3f818000, 0xbf808000, 0x40490000 | 0x8000], dtype=torch.int64).to(torch.int32).view(torch.float32)
vals = torch.cat([vals, halfway])
f16 = vals.to(torch.float16).view(torch.int16)
bf16 = vals.to(torch.bfloat16).view(torch.int16)
bits = vals.view(torch.int32)
with open(out, "w") as f:
    for b, h, bb in zip(bits.tolist(), f16.tolist(), bf16.tolist()):
        f.write("%08x %04x %04x\n" % (b & 0xffffffff, h & 0xffff, bb & 0xffff))
print("wrote", out, len(vals), "values")

#!/usr/bin/python3
"""Golden GEMM fixtures from PyTorch (an implementation independent of jllm's Gemm).

Run with the Debian python (torch 1.13):  /usr/bin/python3 tools/gemm/make_gemm_fixture.py
Writes jllm-tensor/src/test/resources/gemm/<name>.bin, little-endian:
    int32 m, n, k, transA, transB;  float32 alpha, beta
    float32 A as stored (m*k values, k*m when transA, row-major)
    float32 B as stored (k*n values, n*k when transB, row-major)
    float32 C0 (m*n), the C before the call
    float32 expected (m*n) = alpha * op(A) @ op(B) + beta * C0, computed by torch.addmm in float32
"""
import pathlib
import struct

import torch

OUT = pathlib.Path(__file__).resolve().parents[2] / "jllm-tensor/src/test/resources/gemm"

CASES = [
    # name, m, n, k, transA, transB, alpha, beta
    ("nt_37x41x53", 37, 41, 53, False, True, 0.75, -0.5),
    ("tn_37x41x53", 37, 41, 53, True, False, 1.0, 0.0),
]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(20260522)
    for name, m, n, k, ta, tb, alpha, beta in CASES:
        a = torch.randn((k, m) if ta else (m, k), generator=gen, dtype=torch.float32)
        b = torch.randn((n, k) if tb else (k, n), generator=gen, dtype=torch.float32)
        c0 = torch.randn((m, n), generator=gen, dtype=torch.float32)
        op_a = a.t() if ta else a
        op_b = b.t() if tb else b
        expected = torch.addmm(c0, op_a, op_b, beta=beta, alpha=alpha)
        with open(OUT / f"{name}.bin", "wb") as f:
            f.write(struct.pack("<5i2f", m, n, k, int(ta), int(tb), alpha, beta))
            for t in (a, b, c0, expected):
                f.write(t.contiguous().numpy().astype("<f4").tobytes())
        print(f"wrote {OUT / (name + '.bin')}")


if __name__ == "__main__":
    main()

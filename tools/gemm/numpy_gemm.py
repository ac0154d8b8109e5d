#!/usr/bin/env python3
"""numpy (OpenBLAS) float32 matmul throughput, the reference point for jllm's Gemm.

Run with the pyenv python3 (numpy 2.x + OpenBLAS):
    OPENBLAS_NUM_THREADS=2 python3 tools/gemm/numpy_gemm.py [--reps 7] [MxNxK ...]
Prints one line per shape and transpose case: median GFLOPS over --reps timed runs
(each run repeats the product until it takes >= 0.2 s), and the median "cpu" figure:
flops / process CPU seconds x threads, i.e. what the threads did while they actually had a
core. On a machine shared with other work the wall-clock figure mostly measures the other
work; the cpu figure is the fairer comparison there (OpenBLAS threads spin while waiting,
which that figure counts against them, as it counts jllm's spinning workers).
"""
import argparse
import os
import statistics
import time

if "OPENBLAS_NUM_THREADS" not in os.environ:
    os.environ["OPENBLAS_NUM_THREADS"] = "2"

import numpy as np

DEFAULT_SHAPES = ["1024x1024x1024", "4096x4096x512", "512x2048x2048"]


def operands(m, n, k, case, rng):
    # case: "NN" = A(m,k)·B(k,n), "NT" = A·Bᵀ with B stored (n,k), "TN" = Aᵀ·B with A stored (k,m)
    a = rng.standard_normal((k, m) if case[0] == "T" else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if case[1] == "T" else (k, n), dtype=np.float32)
    return (a.T if case[0] == "T" else a), (b.T if case[1] == "T" else b)


def gflops(m, n, k, case, reps, rng):
    a, b = operands(m, n, k, case, rng)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up (thread start, page faults)
    flops = 2.0 * m * n * k
    threads = int(os.environ["OPENBLAS_NUM_THREADS"])
    results, cpu = [], []
    for _ in range(reps):
        iters = 0
        t0 = time.perf_counter()
        c0 = time.process_time()
        while True:
            np.matmul(a, b, out=c)
            iters += 1
            dt = time.perf_counter() - t0
            if dt >= 0.2:
                break
        dc = time.process_time() - c0
        results.append(flops * iters / dt / 1e9)
        cpu.append(flops * iters / dc / 1e9 * threads)
    return statistics.median(results), min(results), max(results), statistics.median(cpu)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("shapes", nargs="*", default=DEFAULT_SHAPES)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--cases", default="NN,NT,TN")
    args = p.parse_args()
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")
    for s in args.shapes:
        m, n, k = (int(x) for x in s.split("x"))
        for case in args.cases.split(","):
            med, lo, hi, cpu = gflops(m, n, k, case, args.reps, rng)
            print(f"numpy {m}x{n}x{k} {case}: median {med:7.1f} GFLOPS  (min {lo:.1f}, max {hi:.1f})  cpu {cpu:7.1f}")


if __name__ == "__main__":
    main()

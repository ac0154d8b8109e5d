#!/usr/bin/env python3
"""Side-by-side jllm Gemm vs numpy (OpenBLAS) float32 matmul, as a markdown table.

    ./mvnw -q -B -o -pl jllm-bench -am install -DskipTests
    python3 tools/gemm/compare.py [--rounds 3] [--reps 5] [--threads 2] [MxNxK ...]

Runs tools/gemm/java_gemm.sh and tools/gemm/numpy_gemm.py alternately, --rounds times, so
both see the same machine conditions; each figure in the table is the median over the
rounds of the per-round medians. Wall = GFLOPS by the clock; cpu = flops per process CPU
second x threads (see numpy_gemm.py), the fairer figure on a shared machine.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
LINE = re.compile(r"^(jllm|numpy)\s+(\S+) (\S\S): median\s+([\d.]+) GFLOPS.*cpu\s+([\d.]+)")


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            rows[(m.group(2), m.group(3))] = (float(m.group(4)), float(m.group(5)))
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("shapes", nargs="*")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cases", default="NN,NT,TN")
    args = p.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads),
               JAVA_OPTS=(os.environ.get("JAVA_OPTS", "") + f" -Djllm.threads={args.threads}").strip())
    common = ["--reps", str(args.reps), "--cases", args.cases] + args.shapes
    jllm, numpy = {}, {}
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
        for key, val in run([str(HERE / "java_gemm.sh")] + common, env).items():
            jllm.setdefault(key, []).append(val)
        for key, val in run([sys.executable, str(HERE / "numpy_gemm.py")] + common, env).items():
            numpy.setdefault(key, []).append(val)
    print(f"| m×n×k | case | jllm GFLOPS | numpy GFLOPS | ratio | jllm cpu | numpy cpu | ratio |")
    print(f"|---|---|---:|---:|---:|---:|---:|---:|")
    for key in jllm:
        if key not in numpy:
            continue
        jw = statistics.median(v[0] for v in jllm[key])
        jc = statistics.median(v[1] for v in jllm[key])
        nw = statistics.median(v[0] for v in numpy[key])
        nc = statistics.median(v[1] for v in numpy[key])
        print(f"| {key[0]} | {key[1]} | {jw:.1f} | {nw:.1f} | {jw / nw:.2f} | {jc:.1f} | {nc:.1f} | {jc / nc:.2f} |")


if __name__ == "__main__":
    main()

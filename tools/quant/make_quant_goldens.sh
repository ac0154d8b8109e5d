#!/usr/bin/env bash
# Regenerates jllm-tensor/src/test/resources/quant/ from ggml's own reference quantizers.
# Usage: tools/quant/make_quant_goldens.sh GGML_SOURCE_DIR
#   GGML_SOURCE_DIR: a checkout of https://github.com/ggml-org/ggml (needs src/ and include/).
# Compiled with -ffp-contract=off: the reference is ggml's C arithmetic without FMA contraction,
# which is what jllm's Java code (no contraction) reproduces bit for bit.
set -euo pipefail
ggml="${1:?usage: $0 GGML_SOURCE_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../jllm-tensor/src/test/resources/quant"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
mkdir -p "$out"
gcc -O2 -ffp-contract=off -std=c11 -I"$ggml/include" -I"$ggml/src" -c "$ggml/src/ggml-quants.c" -o "$build/q.o"
gcc -O2 -ffp-contract=off -std=c11 -I"$ggml/include" -I"$ggml/src" "$here/ggml_golden.c" "$build/q.o" -lm -o "$build/golden" 2> "$build/link.log" || { cat "$build/link.log"; exit 1; }
"$build/golden" "$out"
git -C "$ggml" rev-parse HEAD > "$out/ggml-commit.txt" 2>/dev/null || echo "${GGML_COMMIT:-unknown}" > "$out/ggml-commit.txt"
ls -la "$out"

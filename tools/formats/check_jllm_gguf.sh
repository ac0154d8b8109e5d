#!/usr/bin/env bash
# Regenerates jllm_written.gguf (jllm's GGUF writer) and jllm_written.hf-gguf.json (how the
# independent @huggingface/gguf parser reads it); GgufInteropTest checks both.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
res="$root/jllm-formats/src/test/resources/formats"
(cd "$root/tools/formats" && npm install --no-audit --no-fund >/dev/null)
touch "$res/jllm_written.gguf"
"$root/mvnw" -q -B -o -pl jllm-formats test -Dtest=GgufInteropTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Djllm.regenerateFixture="$res/jllm_written.gguf" >/dev/null 2>&1 || true   # fails until the JSON below exists
node "$root/tools/formats/read_gguf.mjs" "$res/jllm_written.gguf" > "$res/jllm_written.hf-gguf.json"
"$root/mvnw" -q -B -o -pl jllm-formats test -Dtest=GgufInteropTest -Dsurefire.failIfNoSpecifiedTests=false
echo "ok: $res/jllm_written.gguf read by @huggingface/gguf agrees with jllm"

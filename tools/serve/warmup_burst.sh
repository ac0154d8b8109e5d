#!/bin/bash
# What the serve warm-up buys: starts `jllm serve` with --warmup-ms WARMUP_MS on PORT, prints the
# time to "listening", then sends two bursts of 8 concurrent streamed chat requests (32 tokens)
# and prints each burst's median and max time to first byte (curl).
# usage: tools/serve/warmup_burst.sh WARMUP_MS [PORT]   (docs/serving.md, "Warm-up")
set -euo pipefail
cd "$(dirname "$0")/../.."
warm=${1:?usage: warmup_burst.sh WARMUP_MS [PORT]}
port=${2:-18100}
log=$(mktemp)
t0=$(date +%s.%N)
./jllm serve --port "$port" --warmup-ms "$warm" > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
until grep -q listening "$log"; do
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.05
done
echo "startup $(echo "$(date +%s.%N) - $t0" | bc) s"
for burst in 1 2; do
  seq 1 8 | xargs -P 8 -I{} curl -s -o /dev/null -w "%{time_starttransfer}\n" -H 'Content-Type: application/json' \
      -d "{\"model\":\"x\",\"stream\":true,\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the river number {}.\"}]}" \
      "http://127.0.0.1:$port/v1/chat/completions" \
    | sort -n | awk -v b=$burst '{a[NR]=$1} END {printf "burst %d: TTFB median %.0f ms, max %.0f ms\n", b, a[int((NR+1)/2)]*1000, a[NR]*1000}'
done

#!/bin/bash
# What the serve warm-up buys: starts `jllm serve` with --warmup-ms WARMUP_MS on PORT, prints the
# time to "listening", then sends two bursts of 8 concurrent streamed chat requests (32 tokens)
# and prints each burst's time to the first content token (tools/serve/first_token.py).
# usage: tools/serve/warmup_burst.sh WARMUP_MS [PORT] [MODEL]   (docs/serving.md, "Warm-up")
set -euo pipefail
cd "$(dirname "$0")/../.."
warm=${1:?usage: warmup_burst.sh WARMUP_MS [PORT] [MODEL]}
port=${2:-18100}
model=${3:+-m $3}
log=$(mktemp)
t0=$(date +%s.%N)
./jllm serve $model --port "$port" --warmup-ms "$warm" > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
until grep -q listening "$log"; do
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.05
done
echo "startup $(echo "$(date +%s.%N) - $t0" | bc) s"
for burst in 1 2; do
  echo -n "burst $burst: "
  /usr/bin/python3 tools/serve/first_token.py "http://127.0.0.1:$port" 8 32
done

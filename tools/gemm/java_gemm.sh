#!/usr/bin/env bash
# Runs the jllm GEMM harness (GemmBench.main) on the built classes; args as for numpy_gemm.py.
#   ./mvnw -q -B -o -pl jllm-bench -am install -DskipTests
#   tools/gemm/java_gemm.sh [--reps 7] [--cases NN,NT,TN] [MxNxK ...]
# Extra JVM flags via JAVA_OPTS, e.g. JAVA_OPTS="-Djllm.threads=2 -Djllm.vectorBits=256".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
java="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
cp="$root/jllm-bench/target/classes:$root/jllm-tensor/target/classes"
exec "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g \
    ${JAVA_OPTS:-} -cp "$cp" dev.jllm.bench.jmh.GemmBench "$@"

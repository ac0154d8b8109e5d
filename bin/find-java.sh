# Sourced by ./jllm and ./mvnw: point JAVA_HOME at a JDK >= 25 (Vector API + FFM).
# Order: an existing JAVA_HOME that is already >= 25, then Temurin 25's usual path, then `java` on PATH.
jllm_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
jllm_find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(jllm_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then return 0; fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; return 0; fi
  done
  if command -v java >/dev/null 2>&1; then
    local home; home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if [ "$(jllm_java_major "$home")" -ge 25 ] 2>/dev/null; then export JAVA_HOME="$home"; return 0; fi
  fi
  echo "jllm: needs a JDK 25 or newer (Vector API + FFM). Install Temurin 25 or set JAVA_HOME to one." >&2
  return 1
}

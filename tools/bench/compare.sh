#!/usr/bin/env bash
# Side-by-side benchmark of vae4j (Java) against PyTorch/diffusers (tools/reference/bench.py).
# Runs the two alternately per workload (A B A B ..., ROUNDS rounds), each run a fresh JVM / Python process per
# workload, then prints (tools/bench/compare_table.py) per side the best round's median and the median of all
# timed runs, and the Java/Python time ratios (< 1: Java faster).
#
# Usage: tools/bench/compare.sh [--workloads a,b] [--runs N] [--warmup W] [--threads T] [--device cpu|cuda]
#                               [--size PX] [--precision fp32|bf16|fp16] [--channels-last] [--cudnn-benchmark]
# Environment: PYTHON (interpreter with torch + diffusers; default python3), ROUNDS (default 2),
#              KEEP (folder for the raw JSON reports; default a temporary folder, deleted at exit).
# Builds with ./mvnw -q -DskipTests install only if vae-cli/target/{classes,lib} are missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-python3}"
rounds="${ROUNDS:-2}"
workloads="sd-encode,sd-decode,sd-encode-decode,train-step-small,litevae-b-encode,sd-tiled-decode-1024"
runs=5
warmup=2
threads="$(nproc)"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workloads) workloads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --device|--size|--precision) extra+=("$1" "$2"); shift 2 ;;
    --channels-last|--cudnn-benchmark) extra+=("$1"); shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

examples="$root/vae-cli/target"
if [ ! -d "$examples/lib" ] || [ ! -d "$examples/classes" ]; then
  echo "building vae4j..." >&2
  (cd "$root" && ./mvnw -q -DskipTests install) >&2
fi

if [ -n "${KEEP:-}" ]; then
  out="$KEEP"
  mkdir -p "$out"
else
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

common=(--runs "$runs" --warmup "$warmup" --threads "$threads" ${extra[@]+"${extra[@]}"} --json)
IFS=',' read -r -a names <<< "$workloads"
for name in "${names[@]}"; do
  for round in $(seq 1 "$rounds"); do
    echo "[$name] round $round: java" >&2
    java -Djava.awt.headless=true -cp "$examples/classes:$examples/lib/*" dev.vae4j.cli.BenchCommand \
      --workloads "$name" "${common[@]}" > "$out/java-$name-$round.json"
    echo "[$name] round $round: python" >&2
    "$python" "$root/tools/reference/bench.py" --workloads "$name" "${common[@]}" > "$out/python-$name-$round.json"
  done
done

"$python" "$root/tools/bench/compare_table.py" "$out" "$workloads" "$rounds" "$threads"

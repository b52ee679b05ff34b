#!/usr/bin/env bash
# Side-by-side benchmark of vae4j (Java) against PyTorch/diffusers (tools/reference/bench.py).
# Runs the two alternately per workload (A B A B ..., ROUNDS rounds), each run a fresh JVM / Python process per
# workload, then prints (tools/bench/compare_table.py) per side the best round's median and the median of all
# timed runs, and the Java/Python time ratios (< 1: Java faster), then each side's median CPU time of a run (whole
# process, all threads) and its ratio, which other load on the machine disturbs far less than wall time.
#
# Usage: tools/bench/compare.sh [--workloads a,b] [--runs N] [--warmup W] [--threads T] [--device cpu|cuda]
#                               [--size PX] [--precision fp32|bf16|fp16] [--channels-last] [--cudnn-benchmark]
#                               [--gflops]
# --gflops (CPU, needs --size) also prints each side's achieved GFLOP/s against the cores' measured and nominal
# peak (tools/bench/gflops.py). The Java side runs through ./vae, with the JVM and malloc settings users get.
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
size=""
gflops=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workloads) workloads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --size) size="$2"; extra+=("$1" "$2"); shift 2 ;;
    --device|--precision) extra+=("$1" "$2"); shift 2 ;;
    --gflops) gflops=1; shift ;;
    --channels-last|--cudnn-benchmark) extra+=("$1"); shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -n "$gflops" ] && [ -z "$size" ]; then
  echo "compare.sh: --gflops needs --size (the FLOPs of a run depend on it)" >&2
  exit 2
fi

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
    "$root/vae" bench --workloads "$name" "${common[@]}" > "$out/java-$name-$round.json"
    echo "[$name] round $round: python" >&2
    "$python" "$root/tools/reference/bench.py" --workloads "$name" "${common[@]}" > "$out/python-$name-$round.json"
  done
done

"$python" "$root/tools/bench/compare_table.py" "$out" "$workloads" "$rounds" "$threads"
if [ -n "$gflops" ]; then
  "$python" "$root/tools/bench/gflops.py" "$out" "$workloads" "$rounds" "$size"
fi

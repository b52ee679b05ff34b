#!/usr/bin/env bash
# The GPU lane in one command: on a machine with an NVIDIA GPU it builds vae4j with the CUDA natives (-Pgpu),
# runs the tests tagged `cuda` (CudaLaneTest: fp32 forward parity with the CPU reference outputs, bf16/fp16
# autocast, tiled decode, a training run and its checkpoint round trip, a world-size-1 NCCL process group doing
# every collective the trainer uses; TrainingLoopCudaTest: host reads per step and per log interval, peak CUDA memory
# in the interval reports, cuDNN benchmark mode, pinned non-blocking batch copies), then benchmarks Java against
# PyTorch on the same GPU (tools/bench/compare.sh --device cuda: SD encode+decode at 512 and 1024 px in fp16 and
# bf16, and one ldm-kl-f8 training step at 256 px batch 8 in bf16 with cuDNN benchmark mode; the stage-2 workloads
# on DiT-S/2 at 32x32 latents in bf16: forward, training step, DDIM-50 sampling, and sampling with guidance plus the
# SD-preset decode; time ratios and peak CUDA memory from the allocators' statistics on both sides). Budget: 8
# minutes on an H200-class GPU.
#
# Usage: tools/gpu/check.sh [--dry-run] [--results FILE]
#   --dry-run   everything that can run without a GPU, on the CPU and at tiny sizes (the same tests with
#               -Dvae4j.lane.device=cpu and Gloo; `vae bench` on the CPU): what CI runs to keep this script working
#   --results   where to write the results (markdown; default gpu-check-results.md, dry run: target/gpu-check-dry-run.md)
# Environment: PYTHON (interpreter with torch + diffusers for the PyTorch side; skipped with a note when absent),
#              MVN_OPTS_EXTRA (extra Maven options, e.g. -o on a machine without network).
# Exit status: 0 when every step passed, 1 otherwise (the results file says which step failed).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
dry=false
results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=true; shift ;;
    --results) results="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "check.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if $dry; then
  results="${results:-target/gpu-check-dry-run.md}"
  profile=(); lane=(-Dvae4j.lane.device=cpu); device=cpu
  sizes=(64); precisions=(fp32); runs=(--runs 1 --warmup 0)
  stage2=(--size 8 --precision fp32)
else
  results="${results:-gpu-check-results.md}"
  profile=(-Pgpu); lane=(); device=cuda
  sizes=(512 1024); precisions=(fp16 bf16); runs=(--runs 5 --warmup 2)
  stage2=(--precision bf16)
fi
stage2_workloads=dit-s2-forward,dit-s2-train-step,ddim-50,dit-s2-sample-decode
python="${PYTHON:-python3}"
# shellcheck disable=SC2206 # a list of options
extra=(${MVN_OPTS_EXTRA:-})
mkdir -p "$(dirname "$results")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
report="$work/results.md"
status=0
started=$(date +%s)

note() { printf '%s\n' "$*" >> "$report"; }
step() {  # step NAME COMMAND...: runs a step with its output in $work/NAME.log, notes pass/fail and the time
  local name="$1"; shift
  local t0; t0=$(date +%s)
  echo "== $name" >&2
  if "$@" > "$work/$name.log" 2>&1; then
    note "- $name: passed ($(( $(date +%s) - t0 )) s)"
  else
    status=1
    note "- $name: FAILED ($(( $(date +%s) - t0 )) s); last lines:"
    note '```'; tail -20 "$work/$name.log" >> "$report"; note '```'
  fi
}

note "# vae4j GPU check$($dry && echo ' (dry run on the CPU)')"
note ""
note "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if command -v nvidia-smi > /dev/null; then
  note "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)"
else
  note "GPU: none visible (no nvidia-smi)"
fi
note ""
note "## Steps"

step build ./mvnw -B -q "${extra[@]}" "${profile[@]}" -DskipTests package
step cuda-tests ./mvnw -B "${extra[@]}" "${profile[@]}" -pl vae-train -am test -Dgroups=cuda "${lane[@]}" \
  -Dsurefire.failIfNoSpecifiedTests=false
summary="$(grep -h "Tests run:" "$work/cuda-tests.log" | tail -1 || true)"
note "  - ${summary:-no test summary}"
if ! $dry && grep -q "Skipped: [1-9]" <<< "$summary"; then
  status=1
  note "  - FAILED: tests were skipped, so CUDA was not usable from the JVM"
fi

note ""
note "## Java vs PyTorch (tools/bench/compare.sh --device $device)"
if "$python" -c 'import torch, diffusers' > /dev/null 2>&1; then
  for precision in "${precisions[@]}"; do
    for size in "${sizes[@]}"; do
      step "bench-$precision-$size" env PYTHON="$python" ROUNDS=1 tools/bench/compare.sh --device "$device" \
        --workloads sd-encode-decode --size "$size" --precision "$precision" --threads "$(nproc)" "${runs[@]}"
      note '```'; grep -v '^\[' "$work/bench-$precision-$size.log" >> "$report" || true; note '```'
    done
  done
  if ! $dry; then  # the dry run times the workload's CPU path in BenchCommandTest instead (256 px is too slow there)
    step bench-ldm-train env PYTHON="$python" ROUNDS=1 tools/bench/compare.sh --device "$device" \
      --workloads ldm-kl-f8-train-step --cudnn-benchmark --threads "$(nproc)" "${runs[@]}"
    note '```'; grep -v '^\[' "$work/bench-ldm-train.log" >> "$report" || true; note '```'
  fi
  step bench-stage2 env PYTHON="$python" ROUNDS=1 tools/bench/compare.sh --device "$device" \
    --workloads "$stage2_workloads" "${stage2[@]}" --threads "$(nproc)" "${runs[@]}"
  note '```'; grep -v '^\[' "$work/bench-stage2.log" >> "$report" || true; note '```'
else
  note "PyTorch side skipped: $python cannot import torch and diffusers; Java side only:"
  for size in "${sizes[@]}"; do
    step "vae-bench-$size" ./vae bench --device "$device" --workloads sd-encode-decode,train-step-small \
      --size "$size" "${runs[@]}"
    note '```'; cat "$work/vae-bench-$size.log" >> "$report"; note '```'
  done
  step vae-bench-stage2 ./vae bench --device "$device" --workloads "$stage2_workloads" "${stage2[@]}" "${runs[@]}"
  note '```'; cat "$work/vae-bench-stage2.log" >> "$report"; note '```'
fi

note ""
note "Total: $(( $(date +%s) - started )) s; status: $([ $status -eq 0 ] && echo passed || echo FAILED)"
cp "$report" "$results.tmp" && mv "$results.tmp" "$results"
cat "$results"
exit $status

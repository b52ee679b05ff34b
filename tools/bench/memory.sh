#!/usr/bin/env bash
# Whole-process peak RSS and wall time of `vae reconstruct` against the diffusers script
# (tools/bench/reconstruct.py), one image per size, start-up included, as a user runs them: each under
# /usr/bin/time -v (Maximum resident set size), alternately Java then Python per round, the same thread count
# and the same precision and memory format. Prints one row per configuration and size: peak RSS (MiB, max over
# rounds), wall time (s, min over rounds) and Java/Python ratios.
#
# Usage: tools/bench/memory.sh [--sizes 512,1024] [--rounds N] [--threads T] [--model DIR]
#          [--precision fp32|bf16|fp16] [--channels-last] | [--configs fp32,bf16,bf16-cl]
# --precision and --channels-last go to both sides (`vae reconstruct` options; torch.autocast on the CPU and
# channels-last model and inputs in reconstruct.py); --configs lists several, each a precision with an optional
# -cl suffix for channels-last (default: fp32, contiguous).
# Without --model, an SD-config AutoencoderKL with seeded random weights is saved by diffusers into a temporary
# folder (memory and time do not depend on the weights' values). Test images are seeded noise over gradients.
# Environment: PYTHON (interpreter with torch, diffusers and Pillow; default python3), KEEP (folder to keep the
# model, images and logs in; default a temporary folder deleted at exit).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${PYTHON:-python3}"
sizes="512,1024"
rounds=1
threads=2
model=""
precision=fp32
channels_last=""
configs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --precision) precision="$2"; shift 2 ;;
    --channels-last) channels_last="-cl"; shift ;;
    --configs) configs="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "memory.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
configs="${configs:-$precision$channels_last}"
IFS=',' read -r -a config_list <<< "$configs"
for c in "${config_list[@]}"; do
  case "$c" in
    fp32|bf16|fp16|fp32-cl|bf16-cl|fp16-cl) ;;
    *) echo "memory.sh: configuration '$c' is not one of fp32, bf16, fp16, each with an optional -cl suffix" >&2; exit 2 ;;
  esac
done
if [ ! -x /usr/bin/time ]; then
  echo "memory.sh: /usr/bin/time (GNU time, package 'time') is needed for peak RSS" >&2
  exit 1
fi

if [ -n "${KEEP:-}" ]; then
  out="$KEEP"
  mkdir -p "$out"
else
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

"$python" - "$out" "$sizes" "${model:-}" <<'PY'
import os, sys
import numpy as np
from PIL import Image
out, sizes, model = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
rng = np.random.default_rng(0)
for s in map(int, sizes):
    ramp = np.linspace(0, 200, s, dtype=np.float32)
    base = np.stack([ramp[None, :].repeat(s, 0), ramp[:, None].repeat(s, 1), (ramp[None, :] + ramp[:, None]) / 2], -1)
    pixels = np.clip(base + rng.integers(0, 56, (s, s, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(f"{out}/image-{s}.png")
if not model and not os.path.exists(f"{out}/sd-random/config.json"):
    import torch
    from diffusers import AutoencoderKL
    torch.manual_seed(0)
    AutoencoderKL(down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                  block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                  norm_num_groups=32, sample_size=512, scaling_factor=0.18215).save_pretrained(f"{out}/sd-random")
PY
model="${model:-$out/sd-random}"

# peak RSS in MiB and wall seconds of one command, from GNU time's report
measure() {
  local log="$1"; shift
  /usr/bin/time -v "$@" > "$log" 2>&1 || { echo "memory.sh: failed: $* (see $log)" >&2; tail -5 "$log" >&2; exit 1; }
  awk '/Maximum resident set size/ {rss = $NF / 1024}
       /Elapsed \(wall clock\)/ {n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]}
       END {printf "%.0f %.1f\n", rss, s}' "$log"
}

echo "vae reconstruct vs diffusers (tools/bench/reconstruct.py): SD-config VAE, one image, $threads thread(s)," \
  "$rounds round(s), configurations $configs (precision, -cl: channels-last)"
printf '%-8s %-6s %10s %10s %8s %8s %8s %8s\n' config size "java MiB" "py MiB" "RSS j/p" "java s" "py s" "time j/p"
IFS=',' read -r -a list <<< "$sizes"
for c in "${config_list[@]}"; do
  options=(--precision "${c%-cl}")
  [ "$c" = "${c%-cl}" ] || options+=(--channels-last)
  for s in "${list[@]}"; do
    jr=0; pr=0; jt=""; pt=""
    for r in $(seq 1 "$rounds"); do
      read -r rss t < <(measure "$out/java-$c-$s-$r.log" "$root/vae" reconstruct --model "$model" \
        --input "$out/image-$s.png" --output "$out/java-$c-$s.png" --overwrite --threads "$threads" "${options[@]}")
      jr=$(( rss > jr ? rss : jr )); jt=$(awk -v a="$jt" -v b="$t" 'BEGIN {print (a == "" || b < a) ? b : a}')
      read -r rss t < <(measure "$out/python-$c-$s-$r.log" "$python" "$root/tools/bench/reconstruct.py" \
        "${options[@]}" "$model" "$out/image-$s.png" "$out/python-$c-$s.png" "$threads")
      pr=$(( rss > pr ? rss : pr )); pt=$(awk -v a="$pt" -v b="$t" 'BEGIN {print (a == "" || b < a) ? b : a}')
    done
    awk -v c="$c" -v s="$s" -v jr="$jr" -v pr="$pr" -v jt="$jt" -v pt="$pt" \
      'BEGIN {printf "%-8s %-6s %10d %10d %8.2f %8.1f %8.1f %8.2f\n", c, s, jr, pr, jr / pr, jt, pt, jt / pt}'
  done
done

#!/usr/bin/env bash
# Regenerates every parity fixture by running each tools/reference/gen_*.py in turn.
# Usage: [PYTHON=/path/to/venv/bin/python] tools/reference/generate_all.sh
# The --upstream scripts read their clones from $VQGAN_TRAINING_REPO, $PYTORCH_DIFFUSION_REPO and $LATENT_DIFFUSION_REPO.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

shopt -s nullglob
# check_pytorch_diffusion_vae.py writes a fixture too (the shipped VAE on a photograph).
scripts=("$HERE"/gen_*.py "$HERE"/check_pytorch_diffusion_vae.py)
if [ ${#scripts[@]} -eq 0 ]; then
  echo "no gen_*.py scripts in $HERE" >&2
  exit 1
fi

for script in "${scripts[@]}"; do
  echo "== $(basename "$script")"
  "$PYTHON" "$script"
done

"""Checks that a model folder written by vae4j's AutoencoderKL.save loads in diffusers and computes the fixture's outputs.

Usage: python check_java_export.py EXPORTED_DIR FIXTURE_DIR
  EXPORTED_DIR  folder written by Java (config.json + diffusion_pytorch_model.safetensors)
  FIXTURE_DIR   the fixture case it was made from (holds io.safetensors with input and forward)
Loads EXPORTED_DIR with diffusers' AutoencoderKL.from_pretrained (strict: diffusers warns and fails on missing or
unexpected keys with low_cpu_mem_usage), runs forward on the fixture input and prints max |diff| to the fixture.
Exits non-zero if the difference exceeds 1e-5. Not part of generate_all.sh: it checks Java output, not the reference.
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
from diffusers import AutoencoderKL
from safetensors.torch import load_file


def main(exported: str, fixture: str) -> int:
    torch.set_num_threads(1)
    vae = AutoencoderKL.from_pretrained(exported).eval()
    io = load_file(os.path.join(fixture, "io.safetensors"))
    with torch.no_grad():
        out = vae(io["input"]).sample
    diff = (out - io["forward"]).abs().max().item()
    print(f"{exported}: diffusers forward vs fixture max|diff| = {diff:.3e}")
    return 0 if diff <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

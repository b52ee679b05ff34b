"""Checks that a model folder written by vae4j's DiT.save loads in diffusers and computes the fixture's outputs.

Usage: python check_dit_export.py EXPORTED_DIR FIXTURE_DIR
  EXPORTED_DIR  folder written by Java (config.json + diffusion_pytorch_model.safetensors), e.g. the
                vae-diffusion/target/dit-export/<case> folders that DiTTest writes
  FIXTURE_DIR   the fixture case it was made from (vae-diffusion/src/test/resources/fixtures/dit/<case>)
Loads EXPORTED_DIR with diffusers' DiTTransformer2DModel.from_pretrained, checks that its state dict holds exactly the
model's parameters (no missing or unexpected key), runs the eval forward and the unconditional forward on the fixture's
inputs and prints max |diff| to the fixture's outputs. Exits non-zero above 1e-5. Not part of generate_all.sh: it
checks Java output, not the reference.
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import diffusers
import torch
from diffusers import DiTTransformer2DModel
from safetensors.torch import load_file

diffusers.utils.logging.set_verbosity_error()
TOLERANCE = 1e-5


def main(exported: str, fixture: str) -> int:
    torch.set_num_threads(1)
    saved = load_file(os.path.join(exported, "diffusion_pytorch_model.safetensors"))
    model = DiTTransformer2DModel.from_pretrained(exported, local_files_only=True).eval()
    params = {n for n, _ in model.named_parameters()}
    if set(saved) != params:
        print(f"{exported}: keys differ: missing {sorted(params - set(saved))}, unexpected {sorted(set(saved) - params)}")
        return 1
    io = load_file(os.path.join(fixture, "io.safetensors"))
    null = torch.full_like(io["labels"], model.config.num_embeds_ada_norm)
    worst = 0.0
    with torch.no_grad():
        for name, labels in (("eval", io["labels"]), ("eval_null", null)):
            out = model(io["latents"], timestep=io["timesteps"], class_labels=labels).sample
            diff = (out - io[name]).abs().max().item()
            print(f"{exported}: diffusers {name} vs fixture max|diff| = {diff:.3e}")
            worst = max(worst, diff)
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

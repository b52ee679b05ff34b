"""Checks that a DiTPipeline folder written by vae4j's DiTPipeline.save loads in diffusers and generates the fixture's
images.

Usage: python check_dit_pipeline_export.py EXPORTED_DIR FIXTURE_DIR
  EXPORTED_DIR  folder written by Java, e.g. the vae-diffusion/target/dit-pipeline-export/<case> folders that
                DiTPipelineParityTest writes
  FIXTURE_DIR   the fixture case it was made from (vae-diffusion/src/test/resources/fixtures/dit_pipeline/<case>)
Loads EXPORTED_DIR with diffusers' DiTPipeline.from_pretrained, runs it with the fixture's labels, steps, guidance and
seed and prints max |diff| to the fixture's images. Exits non-zero above 1e-5. Not part of generate_all.sh: it checks
Java output, not the reference.
"""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import diffusers
import torch
from diffusers import DiTPipeline
from safetensors.torch import load_file

diffusers.utils.logging.set_verbosity_error()
TOLERANCE = 1e-5


def main(exported: str, fixture: str) -> int:
    torch.set_num_threads(1)
    io = load_file(os.path.join(fixture, "io.safetensors"))
    steps, guidance, seed = io["settings"].tolist()
    pipe = DiTPipeline.from_pretrained(exported)
    pipe.set_progress_bar_config(disable=True)
    images = pipe(class_labels=io["labels"].tolist(), num_inference_steps=int(steps), guidance_scale=guidance,
                  generator=torch.manual_seed(int(seed)), output_type="np").images
    diff = (torch.from_numpy(images).float() - io["images"]).abs().max().item()
    print(f"{exported}: {type(pipe.scheduler).__name__}, max |diff| {diff:.3g}")
    return 0 if diff <= TOLERANCE else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))

#!/usr/bin/env python3
"""The diffusers side of `vae reconstruct`: one image -> encode (posterior mode) -> decode -> 8-bit PNG.

What a user of diffusers would write: AutoencoderKL.from_pretrained, VaeImageProcessor pre/post-processing,
torch.inference_mode(), float32 on CPU with T intra-op threads. tools/bench/memory.sh runs it under
/usr/bin/time -v beside `vae reconstruct` to compare whole-process peak RSS and wall time.

Usage: reconstruct.py MODEL_DIR INPUT_IMAGE OUTPUT_PNG [THREADS]
"""
import sys

import torch
from diffusers import AutoencoderKL
from diffusers.image_processor import VaeImageProcessor
from PIL import Image


def main():
    model_dir, image, output = sys.argv[1:4]
    torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    vae = AutoencoderKL.from_pretrained(model_dir).eval()
    processor = VaeImageProcessor(vae_scale_factor=2 ** (len(vae.config.block_out_channels) - 1))
    with torch.inference_mode():
        pixels = processor.preprocess(Image.open(image).convert("RGB"))
        latents = vae.encode(pixels).latent_dist.mode()
        decoded = vae.decode(latents).sample
        processor.postprocess(decoded, output_type="pil")[0].save(output)
    print(f"reconstructed 1 image(s) -> {output}")


if __name__ == "__main__":
    main()

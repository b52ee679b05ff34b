#!/usr/bin/env python3
"""The diffusers side of `vae reconstruct`: one image -> encode (posterior mode) -> decode -> 8-bit PNG.

What a user of diffusers would write: AutoencoderKL.from_pretrained, VaeImageProcessor pre/post-processing,
torch.inference_mode(), on CPU with T intra-op threads; float32 weights, optionally under
torch.autocast("cpu", dtype) (--precision bf16|fp16; fp16 runs in fp32 when the config sets force_upcast, as
diffusers' pipelines upcast the VAE, and as `vae reconstruct --precision fp16` does) and with the model and its
inputs in the channels-last memory format (--channels-last). tools/bench/memory.sh runs it under /usr/bin/time -v
beside `vae reconstruct` with the same options to compare whole-process peak RSS and wall time.

Usage: reconstruct.py [--precision fp32|bf16|fp16] [--channels-last] MODEL_DIR INPUT_IMAGE OUTPUT_PNG [THREADS]
"""
import argparse
import contextlib

import torch
from diffusers import AutoencoderKL
from diffusers.image_processor import VaeImageProcessor
from PIL import Image

DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def main():
    parser = argparse.ArgumentParser(description="diffusers AutoencoderKL reconstruct of one image on the CPU")
    parser.add_argument("model_dir")
    parser.add_argument("image")
    parser.add_argument("output")
    parser.add_argument("threads", nargs="?", type=int, default=2)
    parser.add_argument("--precision", choices=sorted(DTYPES), default="fp32")
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    vae = AutoencoderKL.from_pretrained(args.model_dir).eval()
    dtype = DTYPES[args.precision]
    if dtype == torch.float16 and vae.config.force_upcast:
        dtype = None
    autocast = torch.autocast("cpu", dtype=dtype) if dtype is not None else contextlib.nullcontext()
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    vae = vae.to(memory_format=memory_format)
    processor = VaeImageProcessor(vae_scale_factor=2 ** (len(vae.config.block_out_channels) - 1))
    with torch.inference_mode():
        pixels = processor.preprocess(Image.open(args.image).convert("RGB")).to(memory_format=memory_format)
        with autocast:
            latents = vae.encode(pixels).latent_dist.mode().to(memory_format=memory_format)
            decoded = vae.decode(latents).sample
        processor.postprocess(decoded.float(), output_type="pil")[0].save(args.output)
    print(f"reconstructed 1 image(s) -> {args.output} ({args.precision}, channels-last: {args.channels_last})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Latent caching throughput, vae4j against PyTorch, in one run on the same images and the same weights.

Writes N synthetic JPEGs of mixed sizes (S..2S x S..1.5S) and a randomly initialised SD-config diffusers
AutoencoderKL (seed 0) to a temporary folder, then caches the folder twice at --resolution S (shorter side resized,
centre crop):
  * vae4j:   ./vae encode --model M --input DIR --output OUT/ --resolution S --batch-size B --decode-workers W
             --threads T (images/s from its last progress line: decoding + encoding + shard writing, after the model
             is loaded);
  * PyTorch: a torch DataLoader with W worker processes (PIL decode, resize, centre crop, to [-1, 1]) feeding
             diffusers' encode in batches of B with T threads; posterior mean and logvar normalised as vae4j stores
             them and written to one safetensors file per 1000 samples (timed from the first batch request to the
             file written).
Prints both images/s and their ratio (> 1: vae4j faster). Needs torch, diffusers, pillow, safetensors.

Usage: tools/bench/cache_compare.py [--images N] [--size S] [--batch-size B] [--workers W] [--threads T]
"""
import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_images(folder, count, size):
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    os.makedirs(folder)
    for i in range(count):
        w = size + int(rng.integers(0, size + 1))
        h = size + int(rng.integers(0, size // 2 + 1))
        y, x = np.mgrid[0:h, 0:w]
        pixels = np.stack([x * 255 // w, y * 255 // h, (x * y + 31 * i) % 256], -1)
        pixels = np.clip(pixels + rng.integers(-24, 25, pixels.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"img{i:04d}.jpg"), quality=90)


def sd_model(torch):
    from diffusers import AutoencoderKL
    torch.manual_seed(0)
    return AutoencoderKL(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
                         up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(128, 256, 512, 512),
                         layers_per_block=2, act_fn="silu", latent_channels=4, norm_num_groups=32,
                         sample_size=256, scaling_factor=0.18215).eval()


class Crops:
    """The image files of a folder, shorter side resized to `size` and centre-cropped, as (3, S, S) in [-1, 1]."""

    def __init__(self, folder, size):
        self.files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg"))
        self.size = size

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        import numpy as np
        import torch
        from PIL import Image
        image = Image.open(self.files[i]).convert("RGB")
        scale = self.size / min(image.size)
        w, h = max(self.size, round(image.width * scale)), max(self.size, round(image.height * scale))
        image = image.resize((w, h), Image.BICUBIC)
        left, top = (w - self.size) // 2, (h - self.size) // 2
        image = image.crop((left, top, left + self.size, top + self.size))
        array = np.asarray(image, dtype=np.float32) / 127.5 - 1.0
        return torch.from_numpy(array).permute(2, 0, 1).contiguous()


def torch_cache(folder, out, args):
    import torch
    from safetensors.torch import save_file
    torch.set_num_threads(args.threads)
    vae = sd_model(torch)
    loader = torch.utils.data.DataLoader(Crops(folder, args.size), batch_size=args.batch_size,
                                         num_workers=args.workers)
    scale = vae.config.scaling_factor
    tensors, count = {}, 0
    start = time.perf_counter()
    with torch.inference_mode():
        for batch in loader:
            posterior = vae.encode(batch).latent_dist
            mean = posterior.mean * scale
            logvar = posterior.logvar + 2 * math.log(scale)
            for row in range(batch.shape[0]):
                tensors[f"{count}.mean"] = mean[row].contiguous()
                tensors[f"{count}.logvar"] = logvar[row].contiguous()
                count += 1
    save_file(tensors, os.path.join(out, "latents-000000.safetensors"))
    return count / (time.perf_counter() - start)


def java_cache(folder, model, out, args):
    command = [os.path.join(ROOT, "vae"), "encode", "--model", model, "--input", folder, "--output", out + "/",
               "--resolution", str(args.size), "--batch-size", str(args.batch_size), "--decode-workers",
               str(args.workers), "--threads", str(args.threads)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("vae encode failed:\n" + result.stdout + result.stderr)
    rates = re.findall(r"cached (\d+)/(\d+) images \(([\d.]+) images/s", result.stderr)
    return float(rates[-1][2])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    import torch
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "images")
        write_images(folder, args.images, args.size)
        model = os.path.join(tmp, "model")
        sd_model(torch).save_pretrained(model, safe_serialization=True)
        os.makedirs(os.path.join(tmp, "torch-cache"))
        java = java_cache(folder, model, os.path.join(tmp, "java-cache"), args)
        python = torch_cache(folder, os.path.join(tmp, "torch-cache"), args)
    print(f"latent caching, {args.images} JPEGs -> {args.size} px, SD config, batch {args.batch_size}, "
          f"{args.workers} decode workers, {args.threads} threads")
    print(f"  vae4j   {java:8.2f} images/s")
    print(f"  PyTorch {python:8.2f} images/s")
    print(f"  ratio vae4j/PyTorch {java / python:.2f} (> 1: vae4j faster)")


if __name__ == "__main__":
    main()

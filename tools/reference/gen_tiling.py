"""Tiled encode/decode fixture: diffusers' enable_tiling path on the kl4_quant_attn fixture model.

Loads vae-core/src/test/resources/fixtures/autoencoder_kl/kl4_quant_attn (written by gen_autoencoder_kl.py),
sets 16-pixel tiles (8 latent pixels, overlap 0.25) and writes fixtures/autoencoder_kl/tiling.safetensors:
  images         (1,3,40,56) uniform in [-1,1]
  tiled_mean     posterior mean of vae.encode(images) with tiling on
  tiled_logvar   its clamped logvar
  latents        (1,4,20,28) standard normal
  tiled_decoded  vae.decode(latents) with tiling on
CPU, float32, one thread, deterministic.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path

import torch
from diffusers import AutoencoderKL
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "vae-core/src/test/resources/fixtures/autoencoder_kl"


def main() -> None:
    torch.manual_seed(1234)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    vae = AutoencoderKL.from_pretrained(FIXTURES / "kl4_quant_attn").eval()
    vae.enable_tiling()
    vae.tile_sample_min_size = 16
    vae.tile_latent_min_size = 8
    images = torch.rand(1, 3, 40, 56) * 2 - 1
    latents = torch.randn(1, 4, 20, 28)
    with torch.no_grad():
        posterior = vae.encode(images).latent_dist
        decoded = vae.decode(latents).sample
    out = {
        "images": images,
        "tiled_mean": posterior.mean.contiguous(),
        "tiled_logvar": posterior.logvar.contiguous(),
        "latents": latents,
        "tiled_decoded": decoded.contiguous(),
    }
    path = FIXTURES / "tiling.safetensors"
    save_file(out, str(path), metadata={"source": "tools/reference/gen_tiling.py"})
    os.chmod(path, 0o644)
    print(f"tiling: mean {tuple(posterior.mean.shape)} decoded {tuple(decoded.shape)} -> {path.name} "
          f"({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

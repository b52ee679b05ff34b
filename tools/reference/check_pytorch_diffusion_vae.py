#!/usr/bin/env python3
"""stanipov/pytorch-diffusion's shipped VAE (``models/vae.pt``) reconstructing a real photograph with the upstream code.

The repository has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) of
https://github.com/stanipov/pytorch-diffusion as ``--upstream DIR`` (or $PYTORCH_DIFFUSION_REPO); ``src/models``,
``configs/vae_f8.json`` and ``models/vae.pt`` are extracted unmodified from the pinned commit 705b007 and the ``VAE``
is built from the JSON the way ``src/train/util.py: set_VAEModel`` reads it (``gen_pytorch_diffusion.build_vae``).

The photograph is scikit-image's ``astronaut.png`` (NASA, public domain; ``skimage.data`` ships it), 512x512 RGB.
Pixels go to [-1, 1] as the upstream datasets scale them, the VAE encodes, the posterior mean (``posterior.mode()``,
deterministic) is decoded, and ``(x + 1) / 2`` clamped to [0, 1] is rounded to 8 bits, as ``unscale_tensor`` and
``save_grid_imgs`` (torchvision's ``save_image``: ``mul(255).add_(0.5).clamp_(0, 255)``) do.

Writes into ``vae-core/src/test/resources/fixtures/pytorch_diffusion/real_vae/``:
  photo.png            the 128x128 crop of the photograph at (row 32, column 160) (the face and helmet)
  reconstruction.png   upstream's reconstruction of that crop (8 bits)
  README.md            the PSNRs of the crop and of the full photograph (upstream's reconstruction vs the photo)
With ``--full-out DIR`` also the full photograph and its reconstruction (``astronaut.png``,
``astronaut_reconstruction.png``) for comparing ``vae reconstruct`` on it. CPU, float32, one thread, deterministic.
"""

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from upstream import snapshot

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/pytorch_diffusion/real_vae"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
CROP = (32, 160, 128)  # row, column, size


def photograph():
    import skimage
    return np.asarray(Image.open(Path(skimage.__file__).parent / "data" / "astronaut.png").convert("RGB"))


@torch.no_grad()
def reconstruct(vae, pixels):
    x = torch.from_numpy(pixels.copy()).permute(2, 0, 1)[None].float().div(255).mul(2).sub(1)
    decoded = vae.decode(vae._encode(x).mode())
    out = decoded.add(1).div(2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)
    return out[0].permute(1, 2, 0).numpy()


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255.0 ** 2 / mse)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", default=os.environ.get("PYTORCH_DIFFUSION_REPO"),
                        help="a git repository of stanipov/pytorch-diffusion; default $PYTORCH_DIFFUSION_REPO")
    parser.add_argument("--full-out", type=Path, help="also write the full photograph and its reconstruction here")
    args = parser.parse_args()
    if not args.upstream:
        sys.exit("give --upstream DIR (or set PYTORCH_DIFFUSION_REPO): a git clone of "
                 "https://github.com/stanipov/pytorch-diffusion holding the pinned commit")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(Path(args.upstream), COMMIT, ["src/__init__.py", "src/models", "configs/vae_f8.json",
                                                  "models/vae.pt"])
    sys.path.insert(0, str(root))
    from src.models.vae import VAE
    from gen_pytorch_diffusion import build_vae, vae_f8_model_block
    vae = build_vae(VAE, vae_f8_model_block(root))
    vae.load_state_dict(torch.load(root / "models/vae.pt", map_location="cpu", weights_only=True), strict=True)
    vae.eval()

    photo = photograph()
    row, col, size = CROP
    crop = np.ascontiguousarray(photo[row:row + size, col:col + size])
    crop_recon = reconstruct(vae, crop)
    full_recon = reconstruct(vae, photo)
    OUT.mkdir(parents=True, exist_ok=True)
    Image.fromarray(crop).save(OUT / "photo.png", optimize=False)
    Image.fromarray(crop_recon).save(OUT / "reconstruction.png", optimize=False)
    crop_psnr, full_psnr = psnr(crop, crop_recon), psnr(photo, full_recon)
    (OUT / "README.md").write_text(f"""# pytorch-diffusion's shipped VAE on a real photograph

Written by `tools/reference/check_pytorch_diffusion_vae.py` (stanipov/pytorch-diffusion `{COMMIT[:7]}`,
`models/vae.pt` built from `configs/vae_f8.json`, the `linear-attention-f8c4` preset).

- `photo.png`: scikit-image's `astronaut.png` (NASA, public domain), the {size}x{size} crop at row {row}, column {col}.
- `reconstruction.png`: the upstream `VAE`'s reconstruction of that crop (posterior mean, 8 bits as
  torchvision's `save_image` rounds).

PSNR of upstream's reconstruction against the photograph: crop {crop_psnr:.2f} dB; full 512x512 photograph
{full_psnr:.2f} dB.

`models/vae.pt` itself (2.6 MB) is not in this repository: `PytorchDiffusionCheckpointTest` reads it from
`$VAE4J_PYTORCH_DIFFUSION_VAE` (or `-Dvae4j.pytorchDiffusionVae=...`) and is skipped without it. From a clone or
bare mirror: `git --git-dir=REPO show {COMMIT[:7]}:models/vae.pt > vae.pt`.
""")
    if args.full_out:
        args.full_out.mkdir(parents=True, exist_ok=True)
        Image.fromarray(photo).save(args.full_out / "astronaut.png")
        Image.fromarray(full_recon).save(args.full_out / "astronaut_reconstruction.png")
    print(f"PSNR crop {crop_psnr:.2f} dB, full {full_psnr:.2f} dB")


if __name__ == "__main__":
    main()

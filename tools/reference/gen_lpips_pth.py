"""LPIPS weights as the two PyTorch pickles users have: torchvision-style VGG16 (features.* plus classifier.*) and
lpips' heads (lin{k}.model.1.weight), both in torch's legacy (pre-1.6) format like vgg16-397923af.pth and lpips'
vgg.pth. The tensors are the narrow seeded LPIPS of gen_losses.py (its lpips_weights.safetensors must exist), so the
Java test can check that `vae convert --to lpips` reproduces that file bit for bit.
Writes vae-cli/src/test/resources/fixtures/lpips_pth/{vgg16_narrow.pth, lpips_heads.pth}.
"""
import os
from collections import OrderedDict
from pathlib import Path

import torch
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "vae-losses/src/test/resources/fixtures/losses/lpips_weights.safetensors"
OUT = ROOT / "vae-cli/src/test/resources/fixtures/lpips_pth"


def main() -> None:
    torch.manual_seed(0)
    weights = load_file(str(SOURCE))
    trunk = OrderedDict((k, v) for k, v in sorted(weights.items(), key=lambda kv: kv[0]) if k.startswith("features."))
    trunk["classifier.0.weight"] = torch.randn(4, 8)  # torchvision's file also holds the classifier: ignored
    trunk["classifier.0.bias"] = torch.randn(4)
    heads = OrderedDict((k, v) for k, v in sorted(weights.items()) if k.startswith("lin"))
    OUT.mkdir(parents=True, exist_ok=True)
    torch.save(trunk, OUT / "vgg16_narrow.pth", _use_new_zipfile_serialization=False)
    torch.save(heads, OUT / "lpips_heads.pth", _use_new_zipfile_serialization=False)
    for name in ("vgg16_narrow.pth", "lpips_heads.pth"):
        os.chmod(OUT / name, 0o644)
    print(f"lpips_pth: {len(trunk)} trunk tensors, {len(heads)} heads -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Side-by-side: `vae train` against a plain PyTorch loop on the same recipe, initial weights and photographs.

    ~/.venvs/vae4j-ref/bin/python tools/reference/side_by_side.py OUT_DIR [--seeds 0 1] [--steps 300]

1. Data: 336 training and 32 held-out 32x32 crops of scikit-image's bundled photographs (each photo downscaled 4x,
   crops at random positions; held-out crops come from other positions), written as PNG files under
   ``OUT/data/train`` and ``OUT/data/val``. The Java run holds out the last ``validation.images`` files of its
   folder, so ``train/`` also holds 8 of the held-out crops, named to sort last (``zz-*``); neither side trains on
   them.
2. Recipe ``OUT/recipe-<seed>.yaml``: the ``kl-f4-small`` model, L1 + 1e-6 KL, no discriminator, Adam 2e-3 (0.5, 0.9),
   20-step warm-up then cosine to 0.1, clip 1.0, batch 8, EMA 0.99, no augmentation.
3. Per seed: diffusers ``AutoencoderKL`` initialised with ``torch.manual_seed(seed)`` and saved as a diffusers folder
   (``OUT/init-<seed>``) that both sides start from; the PyTorch loop (the same loop as ``gen_trajectory.py``)
   trains it into ``OUT/torch-<seed>/model``; ``./vae train --init-from`` trains it into ``OUT/java-<seed>/model``.
4. Both final models (live weights) are scored by ``./vae evaluate --size 32`` on ``OUT/data/val``; the table and
   ``OUT/summary.json`` give PSNR/SSIM per run and the means.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
import yaml
from diffusers import AutoencoderKL
from diffusers.training_utils import EMAModel
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_trajectory import PHOTOS, factor, optimizer, scheduler  # noqa: E402  (same loop pieces as the fixtures)
from skimage import data as skdata  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
SIZE = 32
TRAIN, HELD_OUT, JAVA_VALIDATION = 336, 32, 8


def recipe(seed, steps):
    base = yaml.safe_load((REPO_ROOT / "vae-recipes/src/main/resources/recipes/kl-f4-small.yaml").read_text())
    base["name"] = f"side-by-side-{seed}"
    base["description"] = "tiny KL-VAE on photo crops, no GAN (side-by-side with PyTorch)"
    base["data"] = {"image_size": SIZE, "random_crop": False, "flip": False}
    base["train"].update({"steps": steps, "seed": seed, "checkpoint_every": 0})
    base["train"].pop("discriminator_optimizer")
    base["discriminator"] = {"type": "none"}
    base["objective"]["disc_factor"] = 0.0
    base["validation"] = {"images": JAVA_VALIDATION, "every": 0}
    return base


def photo_crops(count, seed):
    rng = np.random.default_rng(seed)
    photos = []
    for name in PHOTOS:
        image = Image.open(Path(skdata.__file__).parent / name).convert("RGB")
        photos.append(np.asarray(image.resize((image.width // 4, image.height // 4), Image.BICUBIC)))
    out = []
    for _ in range(count):
        photo = photos[rng.integers(len(photos))]
        top = rng.integers(photo.shape[0] - SIZE + 1)
        left = rng.integers(photo.shape[1] - SIZE + 1)
        out.append(photo[top:top + SIZE, left:left + SIZE])
    return out


def prepare_data(out):
    train_dir, val_dir = out / "data/train", out / "data/val"
    if train_dir.is_dir() and val_dir.is_dir():
        return
    train_dir.mkdir(parents=True)
    val_dir.mkdir(parents=True)
    for i, crop in enumerate(photo_crops(TRAIN, seed=1)):
        Image.fromarray(crop).save(train_dir / f"{i:04d}.png")
    for i, crop in enumerate(photo_crops(HELD_OUT, seed=2)):
        Image.fromarray(crop).save(val_dir / f"{i:04d}.png")
        if i < JAVA_VALIDATION:
            Image.fromarray(crop).save(train_dir / f"zz-{i:04d}.png")


def load_images(folder):
    files = sorted(p for p in folder.glob("[0-9]*.png"))
    arrays = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in files]).transpose(0, 3, 1, 2)
    return torch.from_numpy(arrays).float() / 255 * 2 - 1


def train_torch(out, seed, spec):
    target = out / f"torch-{seed}"
    if (target / "model").is_dir():
        return
    train = spec["train"]
    steps, batch = train["steps"], train["batch_size"]
    vae = AutoencoderKL.from_pretrained(out / f"init-{seed}")
    vae.train()
    images = load_images(out / "data/train")
    opt = optimizer(vae.parameters(), train["generator_optimizer"])
    sched = scheduler(opt, train["schedule"], steps)
    ema = EMAModel(vae.parameters(), decay=train["ema_decay"])
    order = torch.Generator().manual_seed(seed)
    perm, cursor = torch.randperm(len(images), generator=order), 0
    noise = torch.Generator().manual_seed(seed + 7)
    started = time.time()
    for step in range(steps):
        if cursor + batch > len(perm):
            perm, cursor = torch.randperm(len(images), generator=order), 0
        x = images[perm[cursor:cursor + batch]]
        cursor += batch
        posterior = vae.encode(x).latent_dist
        z = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=noise)
        xr = vae.decode(z).sample
        nll = torch.abs(x - xr).mean()
        kl = posterior.kl().sum() / x.shape[0]
        loss = nll + spec["objective"]["kl_weight"] * kl
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), train["grad_clip"])
        opt.step()
        opt.zero_grad(set_to_none=True)
        ema.step(vae.parameters())
        sched.step()
        if (step + 1) % 50 == 0:
            print(f"torch seed {seed} step {step + 1}: rec {nll.item():.4f} kl {kl.item():.1f} "
                  f"({(step + 1) / (time.time() - started):.2f} steps/s)", flush=True)
    vae.save_pretrained(target / "model")


def run(cmd, log):
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    with open(log, "w") as f:
        subprocess.run([str(c) for c in cmd], check=True, stdout=f, stderr=subprocess.STDOUT)


def evaluate(model, out, name):
    target = out / f"eval-{name}"
    if not (target / "eval.json").is_file():
        run([REPO_ROOT / "vae", "evaluate", "--model", model, "--data", out / "data/val", "--size", SIZE,
             "--output", target], out / f"eval-{name}.log")
    report = json.loads((target / "eval.json").read_text())
    return report


def metric(report, name):
    value = report.get(name, report.get("metrics", {}).get(name))
    return value["mean"] if isinstance(value, dict) else value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    prepare_data(out)
    rows = []
    for seed in args.seeds:
        spec = recipe(seed, args.steps)
        recipe_file = out / f"recipe-{seed}.yaml"
        recipe_file.write_text(yaml.safe_dump(spec, sort_keys=False))
        if not (out / f"init-{seed}").is_dir():
            torch.manual_seed(seed)
            AutoencoderKL(**spec["model"]["config"]).save_pretrained(out / f"init-{seed}")
        started = time.time()
        train_torch(out, seed, spec)
        torch_seconds = time.time() - started
        started = time.time()
        if not (out / f"java-{seed}/model").is_dir():
            run([REPO_ROOT / "vae", "train", "--recipe", recipe_file, "--data", out / "data/train", "--init-from",
                 out / f"init-{seed}", "--out", out / f"java-{seed}", "--threads", args.threads],
                out / f"java-{seed}.log")
        java_seconds = time.time() - started
        for side, model, seconds in [("pytorch", out / f"torch-{seed}/model", torch_seconds),
                                     ("vae4j", out / f"java-{seed}/model", java_seconds)]:
            report = evaluate(model, out, f"{side}-{seed}")
            rows.append({"side": side, "seed": seed, "psnr": metric(report, "psnr"), "ssim": metric(report, "ssim"),
                         "train_seconds": round(seconds, 1)})
            print(json.dumps(rows[-1]), flush=True)
    summary = {"rows": rows}
    for side in ["pytorch", "vae4j"]:
        mine = [r for r in rows if r["side"] == side]
        summary[side] = {"psnr": sum(r["psnr"] for r in mine) / len(mine),
                         "ssim": sum(r["ssim"] for r in mine) / len(mine)}
    summary["gap_db"] = summary["pytorch"]["psnr"] - summary["vae4j"]["psnr"]
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

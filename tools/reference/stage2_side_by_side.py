#!/usr/bin/env python3
"""Stage-2 side by side: `vae train` of a small DiT against a plain PyTorch loop on the same cached real latents.

    ~/.venvs/vae4j-ref/bin/python tools/reference/stage2_side_by_side.py OUT [--seeds 0 1] [--steps 800]

1. Data: ``--per-class`` random 32x32 crops of each of the two class folders of ``--photos`` (``skimage``:
   scikit-image's photographs, ``wallpapers``: KDE wallpapers), each photo first resized to a shorter side of 128 px;
   written once (seeded) as PNG files under ``OUT/data/<class>/``; ``OUT/real-grid.png`` shows 16 crops per class.
2. Autoencoder: ``./vae train`` of the ``kl-f4-small`` recipe on these crops (``--ae-steps``, no augmentation) into
   ``OUT/ae``. Its posterior means over all crops, computed by diffusers' ``AutoencoderKL`` from the same folder, give
   the LDM-style ``scaling_factor`` (1 / std) and ``shift_factor`` (mean) written into a copy, ``OUT/vae``, so the
   cached latents have zero mean and unit variance.
3. Cache: ``./vae encode -m OUT/vae -i OUT/data -o OUT/cache/ --labels folders --resolution 32`` (8x8x4 latents,
   class 0 = skimage, 1 = wallpapers); both sides train on it.
4. Per seed, vae4j: the ``dit-synthetic`` recipe (hidden 64, depth 4, patch 2; DDPM linear, epsilon, MSE, AdamW 1e-3,
   30-step warm-up + cosine to 0.1, clip 1.0, EMA 0.99, class dropout 0.1, batch 32; posterior means, since
   kl-f4-small trains with a fixed posterior variance and leaves the encoder's log-variance untrained) with
   ``--steps`` and the seed, ``./vae train --latents OUT/cache --vae OUT/vae``; then ``./vae sample`` of its
   ``DiTPipeline`` folder: ``--samples`` per class from the initial noise ``OUT/noise-<seed>.safetensors``, DDIM
   (``--sampler-steps``, eta 0) with guidance ``--cfg``, final latents into ``OUT/vae4j-<seed>/latents.safetensors``.
5. Per seed, PyTorch: diffusers' ``DiTTransformer2DModel`` with the same config, ``torch.manual_seed(seed)``
   initialisation, trained on the same cache (its safetensors shards read directly; posterior means) with
   ``DDPMScheduler.add_noise``, ``F.mse_loss``, ``torch.optim.AdamW`` with the same schedule, clipping, ``EMAModel``
   and class dropout, the same steps and batch; its EMA weights sample the same noise with diffusers' ``DDIMScheduler``
   (the scheduler config vae4j's pipeline folder records) and the same guidance, as DiTPipeline's loop does, with the
   null class ``num_classes``; final latents into ``OUT/pytorch-<seed>/latents.safetensors``.
   As a check of the two sampling paths, the PyTorch loop also samples vae4j's exported weights from the same noise
   (``OUT/vae4j-<seed>/sampler-check.json``: the max |difference| from vae4j's latents, printed).
6. One evaluator: ``./vae evaluate-latents`` (vae4j's ``LatentFrechetDistance`` of the generated latents against the
   cache's posterior means) scores both sides; ``./vae decode`` decodes the first 16 of each class of both with
   ``OUT/vae`` into ``OUT/<side>-<seed>/decoded/`` and ``OUT/<side>-<seed>/grid.png`` (a row per class) for a visual
   check.

Prints one table (side, seed, steps, final loss (mean of the last 200 steps), latent FD, training seconds; plus the
latent FD of the initial noise itself, side ``noise``, the score of an untrained sampler) and writes
``OUT/summary.json``. Resumable: finished parts are skipped on a rerun.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, DiTTransformer2DModel
from diffusers.training_utils import EMAModel
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_trajectory import optimizer, scheduler  # noqa: E402  (the recipe's optimizer and LR schedule)

REPO_ROOT = Path(__file__).resolve().parents[2]
VAE = REPO_ROOT / "vae"
SIZE = 32
PHOTO_SIDE = 128
LOSS_WINDOW = 200


def run(cmd, log):
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    with open(log, "w") as f:
        subprocess.run([str(c) for c in cmd], check=True, stdout=f, stderr=subprocess.STDOUT)


def prepare_data(photos, out, per_class):
    data = out / "data"
    if data.is_dir():
        return data
    rng = np.random.default_rng(20261206)
    tmp = out / "data.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for folder in sorted(p for p in photos.iterdir() if p.is_dir()):
        images = []
        for path in sorted(folder.iterdir()):
            image = Image.open(path).convert("RGB")
            scale = PHOTO_SIDE / min(image.size)
            images.append(np.asarray(image.resize((round(image.width * scale), round(image.height * scale)),
                                                  Image.BICUBIC)))
        (tmp / folder.name).mkdir(parents=True)
        for i in range(per_class):
            photo = images[rng.integers(len(images))]
            top = rng.integers(photo.shape[0] - SIZE + 1)
            left = rng.integers(photo.shape[1] - SIZE + 1)
            Image.fromarray(photo[top:top + SIZE, left:left + SIZE]).save(tmp / folder.name / f"{i:04d}.png")
    tmp.rename(data)
    return data


def train_autoencoder(out, data, steps, threads):
    if (out / "ae/model").is_dir():
        return
    spec = yaml.safe_load((REPO_ROOT / "vae-recipes/src/main/resources/recipes/kl-f4-small.yaml").read_text())
    spec["name"] = "stage2-side-by-side-ae"
    spec["description"] = "kl-f4-small on 32 px photo crops (stage-2 side by side)"
    spec["data"] = {"image_size": SIZE, "random_crop": False, "flip": False}
    spec["train"].update({"steps": steps, "checkpoint_every": 0})
    spec["validation"] = {"images": 8, "every": 0}
    recipe = out / "ae-recipe.yaml"
    recipe.write_text(yaml.safe_dump(spec, sort_keys=False))
    flat = out / "ae-data"  # the image-folder loader reads one folder: every crop, linked as <class>-<name>
    shutil.rmtree(flat, ignore_errors=True)
    flat.mkdir()
    for crop in sorted(data.glob("*/*.png")):
        (flat / f"{crop.parent.name}-{crop.name}").symlink_to(crop)
    run([VAE, "train", "--recipe", recipe, "--data", flat, "--out", out / "ae", "--threads", threads],
        out / "ae.log")


def scaled_autoencoder(out, data):
    """A copy of the trained autoencoder whose scaling/shift factors whiten its posterior means (as LDM's scale)."""
    target = out / "vae"
    if target.is_dir():
        return target
    vae = AutoencoderKL.from_pretrained(out / "ae/model").eval()
    files = sorted(data.glob("*/*.png"))
    means = []
    with torch.no_grad():
        for start in range(0, len(files), 64):
            x = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in files[start:start + 64]])
            x = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 127.5 - 1
            means.append(vae.encode(x).latent_dist.mean)
    z = torch.cat(means)
    tmp = out / "vae.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(out / "ae/model", tmp)
    config = json.loads((tmp / "config.json").read_text())
    config["shift_factor"] = float(z.mean())
    config["scaling_factor"] = float(1 / z.std())
    (tmp / "config.json").write_text(json.dumps(config, indent=2))
    tmp.rename(target)
    print(f"latent mean {z.mean():.4f} std {z.std():.4f} over {len(files)} crops -> {target}", flush=True)
    return target


def encode_cache(out, data, vae):
    cache = out / "cache"
    if not (cache / "index.json").is_file():
        run([VAE, "encode", "-m", vae, "-i", data, "-o", str(cache) + "/", "--labels", "folders", "--resolution",
             SIZE], out / "encode.log")
    return cache


def read_cache(cache):
    """The cache's posterior means and log-variances (N, C, h, w) and labels (N,), in cache order."""
    index = json.loads((cache / "index.json").read_text())
    means, logvars, labels = [], [], []
    for shard in index["shards"]:
        with safe_open(str(cache / shard["file"]), framework="pt") as f:
            samples = json.loads(f.metadata()["samples"])
            for i, sample in enumerate(samples):
                means.append(f.get_tensor(f"{i}.mean").float())
                logvars.append(f.get_tensor(f"{i}.logvar").float())
                labels.append(int(sample["label"]))
    return torch.stack(means), torch.stack(logvars), torch.tensor(labels), index


def dit_recipe(seed, steps):
    spec = yaml.safe_load((REPO_ROOT / "vae-diffusion/src/main/resources/recipes/stage2/dit-synthetic.yaml")
                          .read_text())
    spec["name"] = f"stage2-side-by-side-{seed}"
    spec["description"] = "dit-synthetic on cached photo-crop latents (stage-2 side by side)"
    spec["train"].update({"steps": steps, "seed": seed, "checkpoint_every": 0})
    # kl-f4-small trains with a fixed posterior variance: the encoder's log-variance is not trained, so the cached
    # posterior is taken at its mean
    spec["data"]["posterior"] = "mean"
    return spec


def dit_config(spec, latents, classes):
    dit = spec["denoiser"]["dit"]
    return {"num_attention_heads": dit["num_attention_heads"], "attention_head_dim": dit["attention_head_dim"],
            "in_channels": latents.shape[1], "num_layers": dit["num_layers"], "sample_size": latents.shape[2],
            "patch_size": dit["patch_size"], "num_embeds_ada_norm": classes}


def ddpm(objective):
    return DDPMScheduler(num_train_timesteps=objective["train_timesteps"], beta_start=objective["beta_start"],
                         beta_end=objective["beta_end"], beta_schedule=objective["beta_schedule"],
                         prediction_type=objective["prediction"])


def ddim(objective):
    # the scheduler_config.json vae4j writes into its DiTPipeline folder
    return DDIMScheduler(num_train_timesteps=objective["train_timesteps"], beta_start=objective["beta_start"],
                         beta_end=objective["beta_end"], beta_schedule=objective["beta_schedule"],
                         prediction_type=objective["prediction"], clip_sample=False)


def train_pytorch(spec, cache_tensors, classes, seed, log):
    """The recipe's loop in plain PyTorch; returns the EMA model and the per-step losses."""
    means, logvars, labels, _ = cache_tensors
    train, objective = spec["train"], spec["objective"]
    steps, batch = train["steps"], train["batch_size"]
    torch.manual_seed(seed)
    model = DiTTransformer2DModel(**dit_config(spec, means, classes))
    model.eval()  # the loop drops labels itself (dropout is 0)
    noise_schedule = ddpm(objective)
    opt = optimizer(model.parameters(), train["generator_optimizer"])
    sched = scheduler(opt, train["schedule"], steps)
    ema = EMAModel(model.parameters(), decay=train["ema_decay"])
    generator = torch.Generator().manual_seed(seed + 1)
    perm, cursor = torch.randperm(len(means), generator=generator), 0
    dropout = spec["data"]["class_dropout"]
    losses = []
    started = time.time()
    with open(log, "w") as f:
        for step in range(steps):
            if cursor + batch > len(perm):
                perm, cursor = torch.randperm(len(means), generator=generator), 0
            rows = perm[cursor:cursor + batch]
            cursor += batch
            x0 = means[rows]
            if spec["data"]["posterior"] == "sample":
                x0 = x0 + torch.exp(0.5 * logvars[rows]) * torch.randn(x0.shape, generator=generator)
            t = torch.randint(0, objective["train_timesteps"], (batch,), generator=generator)
            noise = torch.randn(x0.shape, generator=generator)
            dropped = torch.rand((batch,), generator=generator) < dropout
            y = torch.where(dropped, torch.full_like(labels[rows], classes), labels[rows])
            prediction = model(noise_schedule.add_noise(x0, noise, t), timestep=t, class_labels=y).sample
            loss = F.mse_loss(prediction, noise)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), train["grad_clip"])
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            ema.step(model.parameters())
            losses.append(loss.item())
            if (step + 1) % train["log_every"] == 0:
                f.write(json.dumps({"step": step + 1, "loss": loss.item(), "lr": opt.param_groups[0]["lr"],
                                    "seconds": round(time.time() - started, 1)}) + "\n")
                f.flush()
    ema.copy_to(model.parameters())
    return model, losses


@torch.no_grad()
def sample_pytorch(model, objective, noise, labels, classes, steps, cfg):
    """DiTPipeline's loop (DDIM, eta 0; guidance on the conditional and null-class halves) from ``noise``."""
    ddim_scheduler = ddim(objective)
    ddim_scheduler.set_timesteps(steps)
    latents = noise.clone()
    null = torch.full_like(labels, classes)
    for t in ddim_scheduler.timesteps:
        if cfg > 1:
            both = model(torch.cat([latents, latents]), timestep=t.expand(2 * len(latents)),
                         class_labels=torch.cat([labels, null])).sample
            cond, uncond = both.chunk(2)
            eps = uncond + cfg * (cond - uncond)
        else:
            eps = model(latents, timestep=t.expand(len(latents)), class_labels=labels).sample
        latents = ddim_scheduler.step(eps, t, latents).prev_sample
    return latents


def final_loss(intervals):
    """The mean loss of the last LOSS_WINDOW steps from (steps, mean loss) intervals."""
    total, weight = 0.0, 0
    for steps, loss in reversed(intervals):
        take = min(steps, LOSS_WINDOW - weight)
        total, weight = total + take * loss, weight + take
        if weight == LOSS_WINDOW:
            break
    return total / weight


def java_log(run_dir):
    """vae4j's logged training intervals (steps, mean loss) and its summed step seconds."""
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in records if r.get("kind") == "train"]
    return [(r["steps"], r["loss"]) for r in train], sum(r["seconds"] for r in train)


def latent_fd(out, latents, cache, name):
    log = out / f"evaluate-{name}.log"
    run([VAE, "evaluate-latents", "--generated", latents, "--latents", cache, "--json"], log)
    return json.loads(log.read_text().strip().splitlines()[-1])["latent_fd"]


def max_abs_latent(file):
    with safe_open(str(file), framework="pt") as f:
        return float(f.get_tensor("latents").abs().max())


def decode_grid(out, vae, folder, classes, per_class, columns=16):
    """Decodes the first ``columns`` generated latents of each class with ``./vae decode`` into a grid PNG."""
    target = folder / "decoded"
    if not target.is_dir():
        with safe_open(str(folder / "latents.safetensors"), framework="pt") as f:
            latents = f.get_tensor("latents")
        first = torch.cat([latents[c * per_class:c * per_class + columns] for c in range(classes)])
        save_file({"latents": first.contiguous()}, str(folder / "grid-latents.safetensors"))
        run([VAE, "decode", "-m", vae, "-i", folder / "grid-latents.safetensors", "-o", str(target) + "/"],
            out / f"decode-{folder.name}.log")
    decoded = sorted(target.glob("*.png"))
    n = len(decoded) // classes
    grid([decoded[c * n:(c + 1) * n] for c in range(classes)], folder / "grid.png", columns)


def grid(files_per_class, target, columns=16):
    """One row of ``columns`` images per class (32 px each, 2 px gaps) as a PNG."""
    rows = len(files_per_class)
    sheet = Image.new("RGB", (columns * (SIZE + 2), rows * (SIZE + 2)), "white")
    for r, files in enumerate(files_per_class):
        for c, path in enumerate(files[:columns]):
            sheet.paste(Image.open(path).convert("RGB"), (c * (SIZE + 2), r * (SIZE + 2)))
    sheet.save(target)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--photos", type=Path, default=Path("/work/photos"))
    parser.add_argument("--per-class", type=int, default=512)
    parser.add_argument("--ae-steps", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--samples", type=int, default=256, help="generated latents per class")
    parser.add_argument("--sampler-steps", type=int, default=50)
    parser.add_argument("--cfg", type=float, default=1.5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data = prepare_data(args.photos, out, args.per_class)
    train_autoencoder(out, data, args.ae_steps, args.threads)
    vae = scaled_autoencoder(out, data)
    cache = encode_cache(out, data, vae)
    cache_tensors = read_cache(cache)
    grid([sorted(p.glob("*.png")) for p in sorted(data.iterdir())], out / "real-grid.png")
    classes = len(cache_tensors[3]["classes"])
    rows = []
    for seed in args.seeds:
        spec = dit_recipe(seed, args.steps)
        recipe = out / f"dit-recipe-{seed}.yaml"
        recipe.write_text(yaml.safe_dump(spec, sort_keys=False))
        noise_file = out / f"noise-{seed}.safetensors"
        shape = (classes * args.samples,) + tuple(cache_tensors[0].shape[1:])
        if not noise_file.is_file():
            save_file({"noise": torch.randn(shape, generator=torch.Generator().manual_seed(seed + 100))},
                      str(noise_file))
        labels = torch.arange(classes).repeat_interleave(args.samples)

        java = out / f"vae4j-{seed}"
        if not (java / "pipeline").is_dir():
            run([VAE, "train", "--recipe", recipe, "--latents", cache, "--vae", vae, "--out", java, "--threads",
                 args.threads], out / f"vae4j-{seed}.log")
        if not (java / "latents.safetensors").is_file():
            run([VAE, "sample", "--model", java / "pipeline", "--classes", ",".join(map(str, range(classes))),
                 "--count", args.samples, "--steps", args.sampler_steps, "--cfg", args.cfg, "--noise", noise_file,
                 "--output-latents", java / "latents.safetensors", "-o", java / "samples"],
                out / f"vae4j-{seed}-sample.log")

        torch_dir = out / f"pytorch-{seed}"
        if not (torch_dir / "latents.safetensors").is_file():
            torch_dir.mkdir(exist_ok=True)
            started = time.time()
            model, losses = train_pytorch(spec, cache_tensors, classes, seed, torch_dir / "metrics.jsonl")
            (torch_dir / "losses.json").write_text(json.dumps({"losses": losses, "seconds": time.time() - started}))
            with safe_open(str(noise_file), framework="pt") as f:
                noise = f.get_tensor("noise")
            latents = sample_pytorch(model, spec["objective"], noise, labels, classes, args.sampler_steps, args.cfg)
            save_file({"latents": latents.contiguous()}, str(torch_dir / "latents.safetensors"))

        check = java / "sampler-check.json"
        if not check.is_file():
            # the PyTorch sampling loop on vae4j's exported EMA weights must reproduce vae4j's latents
            exported = DiTTransformer2DModel.from_pretrained(java / "pipeline/transformer").eval()
            with safe_open(str(noise_file), framework="pt") as f:
                noise = f.get_tensor("noise")
            again = sample_pytorch(exported, spec["objective"], noise, labels, classes, args.sampler_steps, args.cfg)
            with safe_open(str(java / "latents.safetensors"), framework="pt") as f:
                mine = f.get_tensor("latents")
            check.write_text(json.dumps({"max_abs_diff": float((again - mine).abs().max()),
                                         "max_abs_latent": float(mine.abs().max())}))
        sampler_check = json.loads(check.read_text())
        print(f"seed {seed}: PyTorch's sampling loop on vae4j's weights: max |difference| "
              f"{sampler_check['max_abs_diff']:.2e} (latents up to {sampler_check['max_abs_latent']:.1f})", flush=True)
        torch_log = json.loads((torch_dir / "losses.json").read_text())
        for side, folder, (intervals, seconds) in [
                ("vae4j", java, java_log(java)),
                ("pytorch", torch_dir, ([(1, loss) for loss in torch_log["losses"]], torch_log["seconds"]))]:
            decode_grid(out, vae, folder, classes, args.samples)
            rows.append({"side": side, "seed": seed, "steps": args.steps, "final_loss": final_loss(intervals),
                         "max_abs_latent": max_abs_latent(folder / "latents.safetensors"),
                         "latent_fd": latent_fd(out, folder / "latents.safetensors", cache, f"{side}-{seed}"),
                         "train_seconds": round(seconds, 1)})
            print(json.dumps(rows[-1]), flush=True)
        noise_latents = out / f"noise-{seed}-as-latents.safetensors"
        if not noise_latents.is_file():
            with safe_open(str(noise_file), framework="pt") as f:
                save_file({"latents": f.get_tensor("noise")}, str(noise_latents))
        rows.append({"side": "noise", "seed": seed, "steps": 0, "final_loss": None,
                     "latent_fd": latent_fd(out, noise_latents, cache, f"noise-{seed}"), "train_seconds": 0.0})
    summary = {"rows": rows, "settings": vars(args) | {"out": str(out), "photos": str(args.photos)}}
    for side in ["vae4j", "pytorch", "noise"]:
        fds = [r["latent_fd"] for r in rows if r["side"] == side]
        summary[side] = {"latent_fd_mean": sum(fds) / len(fds), "latent_fd_min": min(fds), "latent_fd_max": max(fds)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{'side':8} {'seed':>4} {'steps':>6} {'final loss':>10} {'latent FD':>10} {'train s':>8}")
    for r in rows:
        loss = "-" if r["final_loss"] is None else f"{r['final_loss']:.4f}"
        print(f"{r['side']:8} {r['seed']:>4} {r['steps']:>6} {loss:>10} {r['latent_fd']:>10.4f} "
              f"{r['train_seconds']:>8}")


if __name__ == "__main__":
    main()

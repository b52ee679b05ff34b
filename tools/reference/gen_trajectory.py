#!/usr/bin/env python3
"""Trajectory fixtures: a PyTorch training loop that `vae train`'s Trainer must follow step for step.

For every case in CASES this reads the recipe YAML the Java side uses
(``vae-recipes/src/main/resources/recipes/<recipe>.yaml``), applies the case's overrides (tiny widths, a short
window, the discriminator start inside it), and trains with the reference libraries themselves:

* diffusers ``AutoencoderKL`` (the autoencoder; its ``DiagonalGaussianDistribution`` for the posterior and KL),
* taming-transformers' ``NLayerDiscriminator`` + ``weights_init`` (PatchGAN) and ``hinge_d_loss`` / ``vanilla_d_loss``,
* LDM's ``LPIPSWithDiscriminator`` math (``ldm/modules/losses/contperceptual.py``: ``nll = rec / exp(logvar) +
  logvar``, KL summed per sample / N, ``adopt_weight``, ``calculate_adaptive_weight``), written out below because
  the class downloads pretrained VGG weights; no perceptual term in these cases,
* ``torch.optim.Adam``, ``LinearLR`` warm-up then ``CosineAnnealingLR`` chained by ``SequentialLR``,
  ``torch.nn.utils.clip_grad_norm_``, diffusers' ``EMAModel``.

One optimizer step of the loop (what vae4j's ``Trainer`` does): encode the batch once, sample the posterior
``mean + std * eps``, decode; generator loss (discriminator frozen) backward; from ``disc_start`` on, the
discriminator loss on the detached reconstruction backward; clip each network's gradients to ``grad_clip``; step
both optimizers; update the EMA. The posterior noise ``eps`` of the sample at global data-stream position ``g`` is
``torch.randn`` of a CPU generator seeded ``seed * 1000003 + g`` (the same libtorch generator vae4j uses), and the
batches are fixed crops of real photographs (scikit-image's bundled data) stored in the fixture in the order they
are consumed.

Writes ``vae-recipes/src/test/resources/fixtures/training/<case>.safetensors``:

  images            (steps * batch, 3, H, W) uint8 in consumption order (x / 255 * 2 - 1 gives the input)
  init.ae.<key>     initial autoencoder weights (diffusers keys)
  init.disc.<key>   initial discriminator state (taming keys, incl. BatchNorm buffers), when the recipe has one
  lr                (steps,) float64 learning rate of each step
  loss.<term>       (steps,) float64 every logged term per step (vae4j's names: total, rec, nll, kl, g, d_weight,
                    disc_factor, logvar; d_total, disc, logits_real, logits_fake from disc_start on, else 0)
  final.ae.<key>, final.ema.<key>, final.disc.<key>   weights after the last step (final.disc with a discriminator)
  spread.<term>     (steps,) float64 max |this run - the same loop under another kernel choice| over the variants of
                    kernel_variants.py (two threads, MKL's generic BLAS path, AVX-512 ATen/oneDNN kernels, SSE4.1
                    convolutions): how far PyTorch moves from itself when only its float kernels change
  spread.final.<part>.<key>   0-d float64 max |difference| of that final tensor over the same runs (parameters
                    whose gradient is zero up to rounding, e.g. attention key biases, random-walk under Adam)
  <case>-lpips.safetensors   the narrow LPIPS network (VGG16 trunk + heads) when the recipe weights LPIPS
  metadata "overrides": JSON of the recipe changes the Java test applies (model config, train, discriminator)

CPU, float32, deterministic algorithms: two runs give identical files. Over a few dozen steps at the recipes'
learning rates float32 rounding grows (the L1 gradient is sign(x - x'), so residuals near 0 flip), and the
adaptive weight, a ratio of gradient norms, is the most sensitive: the spread tensors measure how far PyTorch
drifts from itself under the kernels a machine may pick, which bounds how closely any other implementation (vae4j's
libtorch runs OpenBLAS's kernels where PyTorch runs MKL's) can be asked to follow it.
"""

import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The Java tests run with the same pins (parent pom, surefire): fixtures then match on AVX2 and AVX-512 machines.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from diffusers import AutoencoderKL
from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution
from diffusers.training_utils import EMAModel
from PIL import Image
from safetensors.torch import save_file
from skimage import data as skdata
from taming.modules.discriminator.model import NLayerDiscriminator, weights_init
from taming.modules.losses.vqperceptual import hinge_d_loss, vanilla_d_loss

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_variants  # noqa: E402
from gen_losses import build_lpips  # noqa: E402  (pip lpips with the narrow VGG16 trunk of the loss fixtures)

REPO_ROOT = Path(__file__).resolve().parents[2]
RECIPES = REPO_ROOT / "vae-recipes/src/main/resources/recipes"
OUT_ROOT = REPO_ROOT / "vae-recipes/src/test/resources/fixtures/training"
LPIPS_WEIGHTS = {}  # the narrow LPIPS network of the current case (gen_losses.build_lpips), written beside it
PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "ihc.png", "motorcycle_left.png"]

TINY_MODEL = {
    "block_out_channels": [8, 16, 16],
    "down_block_types": ["DownEncoderBlock2D"] * 3,
    "up_block_types": ["UpDecoderBlock2D"] * 3,
    "layers_per_block": 1,
    "latent_channels": 4,
    "norm_num_groups": 4,
    "sample_size": 16,
    "scaling_factor": 1.0,
}

# case -> (recipe, overrides). The overrides are merged into the recipe's tree ("model" replaced whole) here and by
# the Java test alike.
CASES = {
    # the default recipe (no discriminator) at tiny widths
    "kl_f4_small": ("kl-f4-small", {
        "model": {"config": TINY_MODEL},
        "train": {"steps": 20, "batch_size": 4, "schedule": {"warmup_steps": 8}},
    }),
    # LDM's LPIPSWithDiscriminator at tiny widths: f8, L1 + LPIPS (narrow random VGG trunk, pip lpips heads) summed
    # per pixel / N, hinge PatchGAN from step 10 with the adaptive weight, at a learning rate (2e-5) low enough that the
    # LPIPS term (unit-normalised features of a random narrow trunk: very sensitive to rounding) stays reproducible.
    "ldm_kl_f8": ("ldm-kl-f8", {
        "model": {"config": dict(TINY_MODEL, block_out_channels=[8, 16, 16, 16],
                                 down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                                 sample_size=24)},
        "train": {"steps": 20, "batch_size": 4, "disc_start": 10, "generator_optimizer": {"lr": 2.0e-5},
                  "discriminator_optimizer": {"lr": 2.0e-5}},
        "discriminator": {"ndf": 8},
    }),
}


def crops(count, size, seed):
    """`count` random size x size crops (uint8, N, 3, H, W) of the bundled photographs, downscaled 4x."""
    rng = np.random.default_rng(seed)
    photos = []
    for name in PHOTOS:
        image = Image.open(Path(skdata.__file__).parent / name).convert("RGB")
        photos.append(np.asarray(image.resize((image.width // 4, image.height // 4), Image.BICUBIC)))
    out = np.empty((count, 3, size, size), dtype=np.uint8)
    for i in range(count):
        photo = photos[rng.integers(len(photos))]
        top = rng.integers(photo.shape[0] - size + 1)
        left = rng.integers(photo.shape[1] - size + 1)
        out[i] = photo[top:top + size, left:left + size].transpose(2, 0, 1)
    return torch.from_numpy(out)


def factor(schedule, step, total):
    """Only for checking: vae4j's documented warm-up + cosine (or constant) multiplier."""
    warm = schedule["warmup_steps"]
    if step < warm:
        return (step + 1) / warm
    if schedule["type"] == "constant":
        return 1.0
    progress = min(1.0, (step - warm) / max(1, total - warm))
    floor = schedule["min_factor"]
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def scheduler(optimizer, schedule, total):
    warm = schedule["warmup_steps"]
    peak = optimizer.param_groups[0]["lr"]
    if schedule["type"] == "constant":
        return torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warm, end_factor=1.0,
                                                 total_iters=warm - 1) if warm > 1 else \
            torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    assert schedule["type"] == "cosine", schedule
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warm,
                                                        eta_min=peak * schedule["min_factor"])
    if warm == 0:
        return cosine
    linear = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warm, end_factor=1.0,
                                               total_iters=warm - 1)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [linear, cosine], milestones=[warm])


def optimizer(parameters, spec):
    """torch.optim.Adam or AdamW as a recipe's optimizer section sets it."""
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    assert spec["type"] in kinds, spec
    return kinds[spec["type"]](parameters, lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"],
                               weight_decay=spec["weight_decay"])


def trajectory(tensors, lrs, logs, vae, disc, ema):
    """Adds a finished loop's ``lr``, ``loss.<term>`` and ``final.ae/disc/ema.*`` to ``tensors`` (loads the EMA)."""
    tensors["lr"] = torch.tensor(lrs, dtype=torch.float64)
    for key, values in logs.items():
        tensors[f"loss.{key}"] = torch.tensor(values, dtype=torch.float64)
    tensors.update({f"final.ae.{k}": v.detach().clone() for k, v in vae.state_dict().items()})
    if disc is not None:
        tensors.update({f"final.disc.{k}": v.detach().clone() for k, v in disc.state_dict().items()})
    if ema is not None:
        ema.copy_to(vae.parameters())
        tensors.update({f"final.ema.{k}": v.detach().clone() for k, v in vae.state_dict().items()})
    return tensors


def add_spread(name, tensors, reruns):
    """Adds ``spread.*``: the largest difference of ``reruns`` ({variant: trajectory}, kernel_variants.rerun_all)
    from ``tensors`` (the fixture run), per loss term and step and per final tensor."""
    for key in [k for k in tensors if k.startswith("final.")]:
        tensors["spread." + key] = torch.stack([(tensors[key].double() - rerun[key].double()).abs().max()
                                                for rerun in reruns.values()]).max()
    for key in [k for k in tensors if k.startswith("loss.")]:
        diffs = {variant: (tensors[key] - rerun[key]).abs() for variant, rerun in reruns.items()}
        tensors["spread." + key[len("loss."):]] = torch.stack(list(diffs.values())).amax(dim=0)
        scale = tensors[key].abs().clamp_min(1e-3)
        print(f"{name} {key}: max relative difference from the fixture run: " + ", ".join(
            f"{variant} {float((d / scale).max()):.1e}" for variant, d in diffs.items()))


def adopt_weight(weight, step, threshold):
    return 0.0 if step < threshold else weight


def adaptive_weight(nll, g, last_layer, disc_weight):
    nll_grads = torch.autograd.grad(nll, last_layer, retain_graph=True)[0]
    g_grads = torch.autograd.grad(g, last_layer, retain_graph=True)[0]
    d_weight = torch.norm(nll_grads) / (torch.norm(g_grads) + 1e-4)
    return torch.clamp(d_weight, 0.0, 1e4).detach() * disc_weight


def merge(base, override):
    out = dict(base)
    for key, value in override.items():
        out[key] = merge(out.get(key, {}), value) if isinstance(value, dict) and key != "model" else value
    return out


def run_case(name, recipe_name, overrides):
    torch.set_num_threads(kernel_variants.threads())
    tensors = train_loop(name, recipe_name, overrides)
    if kernel_variants.rerun_output():
        kernel_variants.save_rerun(kernel_variants.rerun_output(), tensors)
        return
    add_spread(name, tensors, kernel_variants.rerun_all([__file__, name]))
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    out = OUT_ROOT / f"{name}.safetensors"
    tmp = out.with_suffix(".tmp")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp),
              metadata={"recipe": recipe_name, "overrides": json.dumps(overrides, sort_keys=True),
                        "lpips": f"{name}-lpips.safetensors" if LPIPS_WEIGHTS else ""})
    tmp.replace(out)
    print(f"wrote {out.relative_to(REPO_ROOT)} ({out.stat().st_size / 1024:.0f} KB)")
    if LPIPS_WEIGHTS:
        out = OUT_ROOT / f"{name}-lpips.safetensors"
        save_file(LPIPS_WEIGHTS, str(tmp))
        tmp.replace(out)
        print(f"wrote {out.relative_to(REPO_ROOT)} ({out.stat().st_size / 1024:.0f} KB)")


def train_loop(name, recipe_name, overrides):
    recipe = merge(yaml.safe_load((RECIPES / f"{recipe_name}.yaml").read_text()), overrides)
    train, objective, disc_spec = recipe["train"], recipe["objective"], recipe.get("discriminator")
    assert not objective.get("learn_logvar", False)
    perceptual_weight = objective.get("perceptual_weight", 0.0)
    lpips_model = None
    LPIPS_WEIGHTS.clear()
    if perceptual_weight > 0:
        lpips_model, weights = build_lpips(torch.Generator().manual_seed(20240701))
        LPIPS_WEIGHTS.update(weights)
    steps, batch, seed = train["steps"], train["batch_size"], train["seed"]
    size = recipe["model"]["config"]["sample_size"]

    torch.manual_seed(20261202)
    vae = AutoencoderKL(**recipe["model"]["config"])
    disc = NLayerDiscriminator(input_nc=3, ndf=disc_spec["ndf"], n_layers=disc_spec["layers"],
                               use_actnorm=False).apply(weights_init) if disc_spec else None
    images = crops(steps * batch, size, seed=len(name))
    tensors = {"images": images.contiguous()}
    tensors.update({f"init.ae.{k}": v.clone() for k, v in vae.state_dict().items()})
    if disc is not None:
        tensors.update({f"init.disc.{k}": v.clone() for k, v in disc.state_dict().items()})
        disc.train()

    vae.train()
    opt_g = optimizer(vae.parameters(), train["generator_optimizer"])
    sched_g = scheduler(opt_g, train["schedule"], steps)
    opt_d = optimizer(disc.parameters(), train["discriminator_optimizer"]) if disc is not None else None
    sched_d = scheduler(opt_d, train["schedule"], steps) if disc is not None else None
    ema = EMAModel(vae.parameters(), decay=train["ema_decay"]) if train["ema_decay"] > 0 else None
    d_loss_fn = {"hinge": hinge_d_loss, "vanilla": vanilla_d_loss}[objective["disc_loss"]]
    logvar = torch.zeros(()) + objective.get("logvar_init", 0.0)
    last_layer = vae.decoder.conv_out.weight
    disc_start = train.get("disc_start", 0)
    logs = {k: [] for k in ["total", "rec", "p", "nll", "kl", "g", "d_weight", "disc_factor", "logvar",
                            "d_total", "disc", "logits_real", "logits_fake"]}
    lrs = []
    for step in range(steps):
        lr = opt_g.param_groups[0]["lr"]
        assert abs(lr - train["generator_optimizer"]["lr"] * factor(train["schedule"], step, steps)) < 1e-12 * lr
        lrs.append(lr)
        x = images[step * batch:(step + 1) * batch].float() / 255 * 2 - 1
        posterior = vae.encode(x).latent_dist
        if train.get("fixed_variance", 0) > 0:  # vae4j's fixed_variance: the predicted log-variance replaced
            posterior = DiagonalGaussianDistribution(torch.cat(
                [posterior.mean, torch.full_like(posterior.mean, math.log(train["fixed_variance"]))], dim=1))
        eps = torch.cat([torch.randn((1,) + tuple(posterior.mean.shape[1:]),
                                     generator=torch.Generator().manual_seed(seed * 1000003 + step * batch + j))
                         for j in range(batch)])
        z = posterior.mean + posterior.std * eps
        xr = vae.decode(z).sample

        # generator (LPIPSWithDiscriminator, optimizer_idx 0), discriminator frozen
        if disc is not None:
            disc.requires_grad_(False)
        rec = (x.contiguous() - xr.contiguous()).abs() if objective["pixel"] == "l1" \
            else (x.contiguous() - xr.contiguous()).square()
        p_loss = lpips_model(x.contiguous(), xr.contiguous()) if lpips_model is not None else torch.zeros(())
        nll_el = (rec + perceptual_weight * p_loss) / torch.exp(logvar) + logvar
        nll = nll_el.sum() / nll_el.shape[0] if objective["normalization"] == "sum_over_batch" else nll_el.mean()
        kl = posterior.kl().sum() / posterior.kl().shape[0]
        g = -torch.mean(disc(xr.contiguous())) if disc is not None else torch.zeros(())
        d_weight = adaptive_weight(nll, g, last_layer, objective["disc_weight"]) \
            if disc is not None and objective["disc_factor"] > 0 and objective.get("adaptive_weight", True) \
            else torch.tensor(0.0)
        disc_factor = adopt_weight(objective["disc_factor"], step, disc_start)
        total = nll + objective["kl_weight"] * kl + d_weight * disc_factor * g
        total.backward()
        if disc is not None:
            disc.requires_grad_(True)
        for key, value in [("total", total), ("rec", rec.mean()), ("p", p_loss.mean()), ("nll", nll), ("kl", kl),
                           ("g", g), ("d_weight", d_weight), ("disc_factor", disc_factor), ("logvar", logvar)]:
            logs[key].append(float(value.detach()) if torch.is_tensor(value) else float(value))

        # discriminator (optimizer_idx 1) from disc_start on
        update_disc = disc is not None and step >= disc_start
        if update_disc:
            logits_real = disc(x.contiguous().detach())
            logits_fake = disc(xr.contiguous().detach())
            d_loss = disc_factor * d_loss_fn(logits_real, logits_fake)
            d_loss.backward()
            for key, value in [("d_total", d_loss), ("disc", d_loss), ("logits_real", logits_real.mean()),
                               ("logits_fake", logits_fake.mean())]:
                logs[key].append(float(value.detach()) if torch.is_tensor(value) else float(value))
        else:
            for key in ["d_total", "disc", "logits_real", "logits_fake"]:
                logs[key].append(0.0)

        clip = train["grad_clip"] if train["grad_clip"] > 0 else math.inf
        torch.nn.utils.clip_grad_norm_(vae.parameters(), clip)
        opt_g.step()
        if update_disc:
            torch.nn.utils.clip_grad_norm_(disc.parameters(), clip)
            opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        if opt_d is not None:
            opt_d.zero_grad(set_to_none=True)
        if ema is not None:
            ema.step(vae.parameters())
        sched_g.step()
        if sched_d is not None:
            sched_d.step()
        print(f"{name} step {step + 1}: " + ", ".join(f"{k} {v[-1]:.6g}" for k, v in logs.items() if v[-1] != 0))

    return trajectory(tensors, lrs, logs, vae, disc, ema)


def main():
    torch.use_deterministic_algorithms(True)
    names = sys.argv[1:] or list(CASES)
    for name in names:
        run_case(name, *CASES[name])


if __name__ == "__main__":
    main()

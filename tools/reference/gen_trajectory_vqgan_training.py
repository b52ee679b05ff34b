#!/usr/bin/env python3
"""Trajectory fixture of the ``vqgan-training`` recipe: a PyTorch loop that ``vae train``'s Trainer must follow.

The loop is the one ``gen_trajectory.py`` describes (vae4j's Trainer order: encode once, sample the posterior, decode;
generator loss with the discriminator frozen, backward; discriminator loss on the detached reconstruction, backward;
clip each network; step both AdamW optimizers; EMA; schedulers), with the recipe's objective taken from
cloneofsimo/vqgan-training's own ``vae_trainer.py`` / ``utils.py`` (HEAD 379fe36, imported unmodified from
``--upstream DIR`` or $VQGAN_TRAINING_REPO, as gen_vqgan_training.py does):

* ``gradnorm(reconstructed)`` in front of LPIPS and of the discriminator's generator branch (HEAD's scalar norm,
  all-reduced over a one-process gloo group, i.e. the norm itself),
* ``vae_loss_function(x, recon, z)`` at its defaults: ``0.1 * mean(z^2)`` of the encoder's mean ("kl_loss" there),
* the generator GAN branch ``-fake_preds.mean()`` and the discriminator step (``gan_disc_loss(..., "hinge")``, EMA
  anchors with beta 0.9, LeCam 0.1) cut verbatim from ``train_ddp`` (``gen_vqgan_training.upstream_block``),
* ``utils.ScalingLayer`` in front of the VGG discriminator trunk.

Differences from the upstream run, all vae4j's recipe choices (the recipe file names them): vae4j's loop order (HEAD
steps the discriminator first and sends the generator's GAN loss through the updated discriminator), the FLUX-shaped
diffusers AutoencoderKL at tiny widths with the recipe's fixed variance 0.1 (HEAD: ae.py, no noise), v0.2's VGG
discriminator (``features[:16]`` + zero-initialised 1x1 head; here the narrow /16 trunk of the LPIPS fixture, which
is also where vae4j's VGG discriminator takes its trunk from), the LPIPS of ``gen_losses.build_lpips`` in eval mode
(HEAD's ``LPIPS()`` is never put in eval mode, so its heads' dropout is active), gradient clipping, EMA and the
recipe's optimizers and schedule. The per-sample posterior noise, batches, schedule, AdamW and EMA are those of
``gen_trajectory.py``.

Writes ``vae-recipes/src/test/resources/fixtures/training_vqgan/vqgan_training.safetensors`` (the layout of
gen_trajectory.py's fixtures: ``images``, ``init.ae.*``, ``init.disc.*``, ``lr``, ``loss.<term>``, ``final.ae|ema|disc.*``,
``spread.*``; metadata ``recipe``, ``overrides``, ``lpips``) and ``vqgan_training-lpips.safetensors``.
"""

import copy
import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The Java tests run with the same pins (parent pom, surefire): fixtures then match on AVX2 and AVX-512 machines.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import torch
import torch.distributed as dist
import torch.nn as nn
import yaml
from diffusers import AutoencoderKL
from diffusers.training_utils import EMAModel
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_losses import build_lpips  # noqa: E402
import kernel_variants  # noqa: E402
from gen_trajectory import (TINY_MODEL, add_spread, crops, factor, merge, optimizer, scheduler,  # noqa: E402
                          trajectory)
from gen_vqgan_training import HEAD, import_commit, single_process_group, upstream_block  # noqa: E402
from upstream import stub_modules, upstream_arg  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
RECIPES = REPO_ROOT / "vae-recipes/src/main/resources/recipes"
OUT_ROOT = REPO_ROOT / "vae-recipes/src/test/resources/fixtures/training_vqgan"
NAME = "vqgan_training"
RECIPE = "vqgan-training"
# Tiny widths, a 20-step window with a 5-step warm-up, a generator learning rate (2e-5) at which the LPIPS term of a
# random narrow trunk stays reproducible (as gen_trajectory.py's ldm_kl_f8 case) and a discriminator one (1e-3) at which
# its zero-initialised head leaves zero within the window, so that the GAN and LeCam terms are exercised.
OVERRIDES = {
    "model": {"config": TINY_MODEL},
    "train": {"steps": 20, "batch_size": 4, "schedule": {"warmup_steps": 5},
              "generator_optimizer": {"lr": 2.0e-5}, "discriminator_optimizer": {"lr": 1.0e-3}},
}
TAP_END = 16  # v0.2's PatchDiscriminator: vgg16().features[:16]


class VggPatchDiscriminator(nn.Module):
    """v0.2's PatchDiscriminator layout on a given trunk: ScalingLayer -> features[:16] -> 1x1 head (no bias, zero)."""

    def __init__(self, trunk, scaling):
        super().__init__()
        self.features = nn.Sequential(*[trunk[i] for i in range(TAP_END)])
        self.head = nn.Conv2d(self.features[14].out_channels, 1, kernel_size=1, bias=False)
        nn.init.zeros_(self.head.weight)
        self._scaling = [scaling]  # not a submodule: its buffers are constants, not state

    def forward(self, x):
        return self.head(self.features(self._scaling[0](x)))


def train_loop(upstream):
    trainer, utils = upstream.vae_trainer, upstream.utils
    recipe = merge(yaml.safe_load((RECIPES / f"{RECIPE}.yaml").read_text()), OVERRIDES)
    train, objective = recipe["train"], recipe["objective"]
    assert (objective["type"], objective["disc_loss"], objective["generator_gan"], objective["gradnorm_mode"]) == \
        ("grad-normalized", "hinge", "negative_mean", "whole"), objective
    assert objective["pooled_weight"] == 0 and objective["low_pass_weight"] == 0 and objective["kl_weight"] == 0
    assert (objective["z_penalty_weight"], objective["lecam_weight"], objective["lecam_decay"]) == (0.1, 0.1, 0.9)
    assert objective["perceptual_weight"] == 1.0 and objective["disc_weight"] == 1.0 and train["disc_start"] == 0
    lpips_model, lpips_weights = build_lpips(torch.Generator().manual_seed(20240701))
    steps, batch, seed = train["steps"], train["batch_size"], train["seed"]
    size = recipe["model"]["config"]["sample_size"]

    torch.manual_seed(20261202)
    vae = AutoencoderKL(**recipe["model"]["config"])
    disc = VggPatchDiscriminator(copy.deepcopy(lpips_model.net.slice1 + lpips_model.net.slice2
                                               + lpips_model.net.slice3), utils.ScalingLayer())
    disc.requires_grad_(True)
    images = crops(steps * batch, size, seed=len(NAME))
    tensors = {"images": images.contiguous()}
    tensors.update({f"init.ae.{k}": v.clone() for k, v in vae.state_dict().items()})
    tensors.update({f"init.disc.{k}": v.clone() for k, v in disc.state_dict().items()})

    vae.train()
    disc.train()
    opt_g = optimizer(vae.parameters(), train["generator_optimizer"])
    opt_d = optimizer(disc.parameters(), train["discriminator_optimizer"])
    sched_g = scheduler(opt_g, train["schedule"], steps)
    sched_d = scheduler(opt_d, train["schedule"], steps)
    ema = EMAModel(vae.parameters(), decay=train["ema_decay"])
    log_variance = math.log(train["fixed_variance"])
    generator_gan = upstream_block(upstream.source, "# g_gan_loss = (real_preds_const",
                                   "g_gan_loss = -fake_preds.mean()")
    disc_step = upstream_block(upstream.source, "d_loss, avg_real_logits, avg_fake_logits, disc_acc = gan_disc_loss(",
                               "total_d_loss = total_d_loss + lecam_loss * lecam_loss_weight")
    state = {"lecam_anchor_real_logits": 0.0, "lecam_anchor_fake_logits": 0.0, "lecam_beta": 0.9,
             "lecam_loss_weight": 0.1, "use_lecam": True, "disc_type": "hinge", "device": "cpu",
             "gan_disc_loss": trainer.gan_disc_loss, "avg_scalar_over_nodes": trainer.avg_scalar_over_nodes}
    logs = {k: [] for k in ["total", "kl", "z2", "p", "g", "d_total", "logits_real", "logits_fake", "lecam"]}
    lrs = []
    for step in range(steps):
        lr = opt_g.param_groups[0]["lr"]
        assert abs(lr - train["generator_optimizer"]["lr"] * factor(train["schedule"], step, steps)) < 1e-12 * lr
        lrs.append(lr)
        x = images[step * batch:(step + 1) * batch].float() / 255 * 2 - 1
        z = vae.encode(x).latent_dist.mean
        logvar = torch.full_like(z, log_variance)  # the trainer's fixed variance
        eps = torch.cat([torch.randn((1,) + tuple(z.shape[1:]),
                                     generator=torch.Generator().manual_seed(seed * 1000003 + step * batch + j))
                         for j in range(batch)])
        reconstructed = vae.decode(z + torch.exp(0.5 * logvar) * eps).sample

        # generator, discriminator frozen
        disc.requires_grad_(False)
        kl = (0.5 * (z.pow(2) + torch.exp(logvar) - 1.0 - logvar).sum(dim=[1, 2, 3])).mean()
        vae_loss, loss_data = trainer.vae_loss_function(x, reconstructed, z)
        percep_rec_loss = lpips_model(trainer.gradnorm(reconstructed), x).mean()
        scope = {"disc_type": "hinge", "fake_preds": disc(trainer.gradnorm(reconstructed, weight=1.0)), "nn": nn,
                 "torch": torch}
        exec(generator_gan, scope)
        g_gan_loss = scope["g_gan_loss"]
        total = kl * objective["kl_weight"] + vae_loss + percep_rec_loss + g_gan_loss
        total.backward()
        disc.requires_grad_(True)
        for key, value in [("total", total), ("kl", kl), ("z2", loss_data["kl_loss"]), ("p", percep_rec_loss),
                           ("g", g_gan_loss)]:
            logs[key].append(float(value.detach()) if torch.is_tensor(value) else float(value))

        # discriminator: HEAD's step (hinge, anchors moved first, LeCam)
        state["real_preds"] = disc(x.detach())
        state["fake_preds"] = disc(reconstructed.detach())
        exec(disc_step, state)
        state["total_d_loss"].backward()
        for key, value in [("d_total", state["total_d_loss"]), ("logits_real", state["real_preds"].mean()),
                           ("logits_fake", state["fake_preds"].mean()), ("lecam", state["lecam_loss"])]:
            logs[key].append(float(value.detach()))

        torch.nn.utils.clip_grad_norm_(vae.parameters(), train["grad_clip"])
        opt_g.step()
        torch.nn.utils.clip_grad_norm_(disc.parameters(), train["grad_clip"])
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        opt_d.zero_grad(set_to_none=True)
        ema.step(vae.parameters())
        sched_g.step()
        sched_d.step()
        print(f"step {step + 1}: " + ", ".join(f"{k} {v[-1]:.6g}" for k, v in logs.items()))

    return trajectory(tensors, lrs, logs, vae, disc, ema), lpips_weights


def main():
    repo = upstream_arg("VQGAN_TRAINING_REPO", "cloneofsimo/vqgan-training")
    torch.use_deterministic_algorithms(True)
    stub_modules("wandb", "webdataset", "transformers", "click", decorators=[("click", "command"),
                                                                            ("click", "option")])
    upstream = import_commit(repo, HEAD)
    single_process_group()
    try:
        torch.set_num_threads(kernel_variants.threads())
        tensors, lpips_weights = train_loop(upstream)
    finally:
        dist.destroy_process_group()
    if kernel_variants.rerun_output():
        kernel_variants.save_rerun(kernel_variants.rerun_output(), tensors)
        return
    add_spread(NAME, tensors, kernel_variants.rerun_all([__file__, "--upstream", str(repo)]))
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    out = OUT_ROOT / f"{NAME}.safetensors"
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out),
              metadata={"recipe": RECIPE, "overrides": json.dumps(OVERRIDES, sort_keys=True),
                        "lpips": f"{NAME}-lpips.safetensors"})
    save_file(lpips_weights, str(OUT_ROOT / f"{NAME}-lpips.safetensors"))
    print(f"wrote {out.relative_to(REPO_ROOT)} ({out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()

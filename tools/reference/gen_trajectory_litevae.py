#!/usr/bin/env python3
"""Trajectory fixture for LiteVAE's phase-B objective: a PyTorch loop that `vae train`'s Trainer must follow.

Reads the recipe ``vae-recipes/src/main/resources/recipes/litevae-b-phase-b.yaml`` (L1, KL 0.01 per sample / N,
wavelet 1.0, Gaussian 0.5, hinge GAN with LDM's adaptive weight 0.5 from step 0, AdamW (0.5, 0.9) 1e-4, constant
schedule after a linear warm-up, clip 1.0, EMA 0.999) and applies tiny overrides (widths, 32 px, batch 4, 20 steps,
8 warm-up steps). Built from open-LiteVAE's own code where it has it (``vendor/open-litevae/``, unmodified):

* the model: ``LiteVAE_Encoder`` (torch-dwt, ``vendor/torch-dwt/``) + ``LiteVAE_Decoder`` under the keys of
  ``LiteAutoencoderKL`` (``encoder.*``, ``decoder.*``), the posterior ``DiagonalGaussianDistribution`` (mean, std,
  per-sample KL),
* the discriminator: the GigaGAN-style ``Descriminator`` (``embedding_channels=None``; its flattened multi-level
  logits are what the GAN losses average), the recipe's documented alternative to UNetGAN-S, whose upstream code
  only runs on 256x256 inputs (too large for a fixture); tiny: 32 px, C_base 128, C_max 16, 2-layer predictors,
  no attention (attention parity is covered by ``gen_litevae_discriminators.py``),
* the GAN losses: ``olvae/modules/basicgan/losses.py`` ``d_hinge_loss`` and ``g_hinge_loss`` (= -mean).

open-LiteVAE does not publish its reconstruction loss, so the rest is the paper's terms as vae4j defines them, with
reference libraries where they exist: L1 mean; LDM's ``nll = rec / exp(logvar) + logvar`` (logvar 0) and
``calculate_adaptive_weight`` at ``decoder.conv_out.weight`` (on nll only); the wavelet term = Charbonnier
(eps 1e-3, minus eps) of the level-1 Haar detail bands (torch-dwt ``dwt2``) / 2, mean; the Gaussian term = mean L1
between ``x - GaussianBlur(5, 1)(x)`` (torchvision) of image and reconstruction; ``torch.optim.AdamW`` with
``LinearLR`` warm-up, ``clip_grad_norm_`` per network, and diffusers' ``EMAModel`` (the schedule vae4j's EMA
follows; open-LiteVAE's ``LitEma`` counts its decay warm-up one update earlier, and is off in its config).

One step: encode once, z = mean + std * eps (eps of sample at data-stream position g drawn from
``torch.Generator().manual_seed(seed * 1000003 + g)``, the libtorch generator vae4j seeds), decode; generator loss
with the discriminator frozen (train mode); discriminator loss on the detached reconstruction (two forwards, real
then fake); clip, step both, EMA. Writes ``vae-recipes/src/test/resources/fixtures/training/litevae_phase_b.safetensors``
in the layout of ``gen_trajectory.py`` (images, init.ae/disc, lr, loss.<term>, final.ae/ema/disc, spread.*), terms
total, rec, p, nll, kl, g, d_weight, disc_factor, logvar, wave, gauss, d_total, disc, logits_real, logits_fake;
metadata ``fixture``: JSON of recipe, overrides and ``gigagan`` (the tiny discriminator's ``GigaGanConfig`` fields).
CPU, float32, deterministic algorithms: two runs give identical files.
"""

import contextlib
import io
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
import yaml
from diffusers.training_utils import EMAModel
from safetensors.torch import save_file
from torchvision.transforms.functional import gaussian_blur

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "vendor" / "open-litevae"), str(HERE / "vendor" / "torch-dwt")]
import kernel_variants  # noqa: E402
from gen_trajectory import (adaptive_weight, adopt_weight, add_spread, crops, factor, merge,  # noqa: E402
                          optimizer, trajectory)
from olvae.modules.basicgan.losses import d_hinge_loss, g_hinge_loss  # noqa: E402
from olvae.modules.distributions import DiagonalGaussianDistribution  # noqa: E402
from olvae.modules.gigagan.vae_disc import Descriminator  # noqa: E402
from olvae.modules.litevae.decoder_model import LiteVAE_Decoder  # noqa: E402
from olvae.modules.litevae.encoder_model import LiteVAE_Encoder  # noqa: E402
from torch_dwt.functional import dwt2  # noqa: E402

REPO_ROOT = HERE.parents[1]
RECIPES = REPO_ROOT / "vae-recipes/src/main/resources/recipes"
OUT = REPO_ROOT / "vae-recipes/src/test/resources/fixtures/training/litevae_phase_b.safetensors"
RECIPE = "litevae-b-phase-b"
NAME = "litevae_phase_b"

TINY_LITEVAE = {
    "_class_name": "LiteVAE", "flavour": "open-litevae", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
    "wavelet_levels": 3, "subband_order": "torch-dwt", "wavelet_level_scaling": False,
    "extractor_channels": 8, "extractor_mult": [1], "extractor_blocks": 1,
    "aggregator_channels": 8, "aggregator_mult": [1, 2], "aggregator_blocks": 1, "norm_groups": 8,
    "decoder_channels": 4, "decoder_mult": [1, 2, 2, 2], "decoder_res_blocks": 1, "decoder_pre_activation": False,
    "scaling_factor": 1.0, "shift_factor": 0.0,
}
OVERRIDES = {
    "model": {"config": TINY_LITEVAE},
    "train": {"steps": 20, "batch_size": 4, "schedule": {"warmup_steps": 8}},
    "discriminator": {"type": "gigagan"},
}
# upstream Descriminator kwargs and the same discriminator as vae4j's GigaGanConfig fields
GIGAGAN = dict(image_size=32, base_channels=128, max_channels=16, conv_blocks=1, pred_layers=2,
               attention_resolutions=[], head_dim=16, attn_res_gain=0.5)
GIGAGAN_JAVA = {"inChannels": 3, "imageSize": 32, "baseChannels": 128, "maxChannels": 16, "convBlocks": 1,
                "predLayers": 2, "attentionResolutions": [], "headDim": 16, "attnResGain": 0.5}
SIZE = 32
WAVELET_EPS = 1e-3


class LiteVae(torch.nn.Module):
    """open-LiteVAE's encoder and decoder under ``LiteAutoencoderKL``'s keys (use_quant False: 2 n_z moments)."""

    def __init__(self, cfg):
        super().__init__()
        self.encoder = LiteVAE_Encoder(in_channels=3, dct_levels=cfg["wavelet_levels"],
                                       latent_dim=2 * cfg["latent_channels"], image_size=SIZE,
                                       extractor_channels=cfg["extractor_channels"],
                                       extractor_mult=cfg["extractor_mult"],
                                       extractor_resblocks=cfg["extractor_blocks"],
                                       aggregate_channels=cfg["aggregator_channels"],
                                       aggregate_mult=cfg["aggregator_mult"],
                                       aggregate_resblocks=cfg["aggregator_blocks"])
        self.decoder = LiteVAE_Decoder(channels=cfg["decoder_channels"], z_channels=cfg["latent_channels"],
                                       out_channels=3, channel_mult=cfg["decoder_mult"],
                                       num_res_blocks=cfg["decoder_res_blocks"])


def wavelet_loss(x, xr):
    """Charbonnier (eps 1e-3, minus eps) of the level-1 Haar detail coefficients / 2, mean (order-independent)."""
    d = (dwt2(xr, "haar")[:, 1:] - dwt2(x, "haar")[:, 1:]) * 0.5
    return (d.pow(2) + WAVELET_EPS ** 2).sqrt().sub(WAVELET_EPS).mean()


def gaussian_loss(x, xr):
    """Mean L1 between the high-pass parts x - GaussianBlur(5, sigma 1)(x) (torchvision, reflect padding)."""
    return (xr - gaussian_blur(xr, [5, 5], [1.0, 1.0]) - (x - gaussian_blur(x, [5, 5], [1.0, 1.0]))).abs().mean()


def warmup(optimizer, schedule):
    assert schedule["type"] == "constant", schedule
    warm = schedule["warmup_steps"]
    return torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warm, end_factor=1.0,
                                             total_iters=warm - 1)


def train_loop():
    recipe = merge(yaml.safe_load((RECIPES / f"{RECIPE}.yaml").read_text()), OVERRIDES)
    train, objective = recipe["train"], recipe["objective"]
    assert objective["pixel"] == "l1" and objective["normalization"] == "mean"
    assert objective["perceptual_weight"] == 0 and objective["disc_loss"] == "hinge"
    assert objective["generator_gan"] == "negative_mean" and objective["adaptive_weight"]
    steps, batch, seed = train["steps"], train["batch_size"], train["seed"]

    torch.manual_seed(20261202)
    vae = LiteVae(recipe["model"]["config"])
    with contextlib.redirect_stdout(io.StringIO()):
        disc = Descriminator(**GIGAGAN, embedding_channels=None)
    images = crops(steps * batch, SIZE, seed=len(NAME))
    tensors = {"images": images.contiguous()}
    tensors.update({f"init.ae.{k}": v.clone() for k, v in vae.state_dict().items()})
    tensors.update({f"init.disc.{k}": v.clone() for k, v in disc.state_dict().items()})

    vae.train()
    disc.train()
    opt_g = optimizer(vae.parameters(), train["generator_optimizer"])
    opt_d = optimizer(disc.parameters(), train["discriminator_optimizer"])
    sched_g = warmup(opt_g, train["schedule"])
    sched_d = warmup(opt_d, train["schedule"])
    ema = EMAModel(vae.parameters(), decay=train["ema_decay"])
    logvar = torch.zeros(())
    last_layer = vae.decoder.conv_out.weight
    disc_start = train["disc_start"]
    logs = {k: [] for k in ["total", "rec", "p", "nll", "kl", "g", "d_weight", "disc_factor", "logvar", "wave",
                            "gauss", "d_total", "disc", "logits_real", "logits_fake"]}
    lrs = []
    for step in range(steps):
        lr = opt_g.param_groups[0]["lr"]
        assert abs(lr - train["generator_optimizer"]["lr"] * factor(train["schedule"], step, steps)) < 1e-12 * lr
        lrs.append(lr)
        x = images[step * batch:(step + 1) * batch].float() / 255 * 2 - 1
        posterior = DiagonalGaussianDistribution(vae.encoder(x))
        eps = torch.cat([torch.randn((1,) + tuple(posterior.mean.shape[1:]),
                                     generator=torch.Generator().manual_seed(seed * 1000003 + step * batch + j))
                         for j in range(batch)])
        xr = vae.decoder(posterior.mean + posterior.std * eps)

        disc.requires_grad_(False)
        rec = torch.abs(x - xr)
        nll = (rec / torch.exp(logvar) + logvar).mean()
        kl = posterior.kl().sum() / posterior.kl().shape[0]
        g = g_hinge_loss(disc(xr))
        d_weight = adaptive_weight(nll, g, last_layer, objective["disc_weight"])
        disc_factor = adopt_weight(objective["disc_factor"], step, disc_start)
        wave = wavelet_loss(x, xr)
        gauss = gaussian_loss(x, xr)
        total = (nll + objective["kl_weight"] * kl + d_weight * disc_factor * g
                 + objective["wavelet_weight"] * wave + objective["gaussian_weight"] * gauss)
        total.backward()
        disc.requires_grad_(True)
        for key, value in [("total", total), ("rec", rec.mean()), ("p", 0.0), ("nll", nll), ("kl", kl), ("g", g),
                           ("d_weight", d_weight), ("disc_factor", disc_factor), ("logvar", logvar), ("wave", wave),
                           ("gauss", gauss)]:
            logs[key].append(float(value.detach()) if torch.is_tensor(value) else float(value))

        logits_real = disc(x.detach())
        logits_fake = disc(xr.detach())
        d_loss = disc_factor * d_hinge_loss(logits_real, logits_fake)
        d_loss.backward()
        for key, value in [("d_total", d_loss), ("disc", d_loss), ("logits_real", logits_real.mean()),
                           ("logits_fake", logits_fake.mean())]:
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
        print(f"{NAME} step {step + 1}: " + ", ".join(f"{k} {v[-1]:.6g}" for k, v in logs.items() if v[-1] != 0))

    return trajectory(tensors, lrs, logs, vae, disc, ema)


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(kernel_variants.threads())
    tensors = train_loop()
    if kernel_variants.rerun_output():
        kernel_variants.save_rerun(kernel_variants.rerun_output(), tensors)
        return
    add_spread(NAME, tensors, kernel_variants.rerun_all([__file__]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp),
              # one metadata entry: safetensors writes several in hash order, which would break byte-identical reruns
              metadata={"fixture": json.dumps({"recipe": RECIPE, "overrides": OVERRIDES, "gigagan": GIGAGAN_JAVA},
                                              sort_keys=True)})
    tmp.replace(OUT)
    print(f"wrote {OUT.relative_to(REPO_ROOT)} ({OUT.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()

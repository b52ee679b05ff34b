#!/usr/bin/env python3
"""Trajectory fixture of a VQ first stage: a PyTorch loop built from taming-transformers' own VQGAN pieces that
`vae train`'s Trainer must follow step for step with a ``vq-gan`` recipe.

The case reads ``vae-recipes/src/main/resources/recipes/vq-f4-small.yaml``, applies its overrides (tiny widths, a
20-step window, the discriminator start inside it) and trains:

* diffusers ``VQModel`` for the encoder, ``quant_conv``, ``post_quant_conv`` and decoder (diffusers keys, the
  layout vae4j's VQModel loads),
* taming's ``VectorQuantizer2`` (``taming/modules/vqvae/quantize.py``, vendored unmodified, beta 0.25, legacy) in
  place of diffusers' quantizer, started from the same codebook,
* taming's ``VQLPIPSWithDiscriminator`` (``taming/modules/losses/vqperceptual.py``, vendored unmodified) for the
  generator and discriminator losses, and the ``NLayerDiscriminator`` it builds; its ``LPIPS`` (which downloads
  pretrained VGG weights in ``__init__``) is replaced by a module that must never run (the case has no perceptual
  term),
* ``torch.optim.Adam`` and the schedule of ``gen_trajectory.py``.

One optimizer step is what vae4j's Trainer does (as in ``gen_trajectory.py``): encode and quantize the batch once,
decode, generator loss (discriminator frozen) backward; from ``disc_start`` on the discriminator loss on the detached
reconstruction backward; step both optimizers. (taming's Lightning module runs a second forward for the
discriminator step; the Trainer reuses the first reconstruction.)

Writes ``vae-recipes/src/test/resources/fixtures/training/vq_f4_small.safetensors`` with the layout of
``gen_trajectory.py`` (``images``, ``init.ae.*``, ``init.disc.*``, ``lr``, ``loss.<term>``, ``final.ae.*``,
``final.disc.*``, ``spread.*``) and vae4j's term names: total, quant_loss, nll (taming's nll_loss = rec_loss), rec
(mean |x - x^|), p, g, d_weight, disc_factor, usage (fraction of codes used by the batch), perplexity
(exp(-sum p log(p + 1e-10)) of the batch's index frequencies); d_total, disc, logits_real, logits_fake.
"""

import importlib.util
import json
import os
import sys
import types
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import torch
import yaml
from diffusers import VQModel
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_trajectory as base  # noqa: E402  (batches, optimizers, schedules, spread, file layout)
import kernel_variants  # noqa: E402

VENDOR = Path(__file__).resolve().parent / "vendor" / "taming-transformers" / "taming" / "modules"

TINY_VQ = {
    "_class_name": "VQModel",
    "in_channels": 3,
    "out_channels": 3,
    "block_out_channels": [8, 16, 16],
    "down_block_types": ["DownEncoderBlock2D"] * 3,
    "up_block_types": ["UpDecoderBlock2D"] * 3,
    "layers_per_block": 1,
    "latent_channels": 4,
    "num_vq_embeddings": 32,
    "vq_embed_dim": 4,
    "norm_num_groups": 4,
    "sample_size": 16,
    "scaling_factor": 1.0,
}

CASES = {
    "vq_f4_small": ("vq-f4-small", {
        "model": {"config": TINY_VQ},
        "train": {"steps": 20, "batch_size": 4, "disc_start": 10, "generator_optimizer": {"lr": 5.0e-5},
                  "discriminator_optimizer": {"lr": 5.0e-5}},
        "discriminator": {"ndf": 8},
    }),
}


class NoLpips(torch.nn.Module):
    """Stands in for taming's LPIPS, whose __init__ downloads VGG16 weights; these cases weight LPIPS by 0."""

    def forward(self, *args):
        raise AssertionError("the vq trajectory cases have no perceptual term")


def vendored(name, path):
    """A vendored taming file loaded by path (the pip package named ``taming`` would shadow it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def taming_modules():
    stub = types.ModuleType("taming.modules.losses.lpips")
    stub.LPIPS = NoLpips
    sys.modules["taming.modules.losses.lpips"] = stub
    quantize = vendored("taming_quantize", VENDOR / "vqvae" / "quantize.py")
    losses = vendored("taming_vqperceptual", VENDOR / "losses" / "vqperceptual.py")
    return quantize, losses


def train_loop(name, recipe_name, overrides):
    quantize, losses = taming_modules()
    recipe = base.merge(yaml.safe_load((base.RECIPES / f"{recipe_name}.yaml").read_text()), overrides)
    train, objective, disc_spec = recipe["train"], recipe["objective"], recipe["discriminator"]
    assert objective["type"] == "vq-gan" and objective["perceptual_weight"] == 0 and objective["pixel"] == "l1"
    steps, batch, seed = train["steps"], train["batch_size"], train["seed"]
    config = recipe["model"]["config"]
    size = config["sample_size"]

    torch.manual_seed(20261206)
    vae = VQModel(**{k: v for k, v in config.items() if not k.startswith("_")})
    quantizer = quantize.VectorQuantizer2(config["num_vq_embeddings"], config["vq_embed_dim"], beta=0.25,
                                          legacy=True)
    quantizer.embedding.weight.data.copy_(vae.quantize.embedding.weight.data)
    vae.quantize = quantizer  # taming's quantizer under diffusers' key 'quantize.embedding.weight'
    loss = losses.VQLPIPSWithDiscriminator(
        disc_start=train["disc_start"], codebook_weight=objective["codebook_weight"], disc_num_layers=disc_spec["layers"],
        disc_in_channels=3, disc_factor=objective["disc_factor"], disc_weight=objective["disc_weight"],
        perceptual_weight=objective["perceptual_weight"], disc_ndf=disc_spec["ndf"], disc_loss=objective["disc_loss"])
    disc = loss.discriminator
    images = base.crops(steps * batch, size, seed=len(name))
    tensors = {"images": images.contiguous()}
    tensors.update({f"init.ae.{k}": v.clone() for k, v in vae.state_dict().items()})
    tensors.update({f"init.disc.{k}": v.clone() for k, v in disc.state_dict().items()})
    vae.train()
    loss.train()

    opt_g = base.optimizer(vae.parameters(), train["generator_optimizer"])
    sched_g = base.scheduler(opt_g, train["schedule"], steps)
    opt_d = base.optimizer(disc.parameters(), train["discriminator_optimizer"])
    sched_d = base.scheduler(opt_d, train["schedule"], steps)
    assert train["ema_decay"] == 0 and train["grad_clip"] == 0
    last_layer = vae.decoder.conv_out.weight
    disc_start = train["disc_start"]
    names = {"total_loss": "total", "quant_loss": "quant_loss", "nll_loss": "nll", "p_loss": "p", "g_loss": "g",
             "d_weight": "d_weight", "disc_factor": "disc_factor"}
    logs = {k: [] for k in ["total", "quant_loss", "nll", "rec", "p", "g", "d_weight", "disc_factor", "usage",
                            "perplexity", "d_total", "disc", "logits_real", "logits_fake"]}
    lrs = []
    for step in range(steps):
        lrs.append(opt_g.param_groups[0]["lr"])
        x = images[step * batch:(step + 1) * batch].float() / 255 * 2 - 1
        h = vae.encode(x).latents  # encoder + quant_conv
        quant, qloss, (_, _, indices) = vae.quantize(h)
        xr = vae.decoder(vae.post_quant_conv(quant))

        disc.requires_grad_(False)
        aeloss, log = loss(qloss, x, xr, 0, step, last_layer=last_layer, split="train")
        aeloss.backward()
        disc.requires_grad_(True)
        for key, value in log.items():
            short = key.split("/", 1)[1]
            if short in names:
                logs[names[short]].append(float(value))
        logs["rec"].append(float((x - xr).detach().abs().mean()))
        counts = torch.bincount(indices.reshape(-1), minlength=config["num_vq_embeddings"]).double()
        freq = counts / counts.sum()
        logs["usage"].append(float((counts > 0).double().mean()))
        logs["perplexity"].append(float(torch.exp(-torch.sum(freq * torch.log(freq + 1e-10)))))

        update_disc = step >= disc_start
        if update_disc:
            d_loss, dlog = loss(qloss, x, xr.detach(), 1, step, last_layer=last_layer, split="train")
            d_loss.backward()
            logs["d_total"].append(float(d_loss.detach()))
            logs["disc"].append(float(d_loss.detach()))
            logs["logits_real"].append(float(dlog["train/logits_real"]))
            logs["logits_fake"].append(float(dlog["train/logits_fake"]))
        else:
            for key in ["d_total", "disc", "logits_real", "logits_fake"]:
                logs[key].append(0.0)

        opt_g.step()
        if update_disc:
            opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        opt_d.zero_grad(set_to_none=True)
        sched_g.step()
        sched_d.step()
        print(f"{name} step {step + 1}: " + ", ".join(f"{k} {v[-1]:.6g}" for k, v in logs.items() if v[-1] != 0))

    return base.trajectory(tensors, lrs, logs, vae, disc, None)


def run_case(name, recipe_name, overrides):
    torch.set_num_threads(kernel_variants.threads())
    tensors = train_loop(name, recipe_name, overrides)
    if kernel_variants.rerun_output():
        kernel_variants.save_rerun(kernel_variants.rerun_output(), tensors)
        return
    base.add_spread(name, tensors, kernel_variants.rerun_all([__file__, name]))
    base.OUT_ROOT.mkdir(parents=True, exist_ok=True)
    out = base.OUT_ROOT / f"{name}.safetensors"
    tmp = out.with_suffix(".tmp")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp),
              metadata={"recipe": recipe_name, "overrides": json.dumps(overrides, sort_keys=True), "lpips": ""})
    sort_metadata(tmp)
    tmp.replace(out)
    print(f"wrote {out.relative_to(base.REPO_ROOT)} ({out.stat().st_size / 1024:.0f} KB)")


def sort_metadata(path):
    """Rewrites the safetensors header of ``path`` with its metadata keys sorted (safetensors writes them in hash order,
    which changes from run to run); the header keeps its length, so the tensor data stays where it is."""
    raw = bytearray(path.read_bytes())
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    assert len(text) <= length, (len(text), length)
    raw[8:8 + length] = text.ljust(length, b" ")
    path.write_bytes(bytes(raw))


def main():
    torch.use_deterministic_algorithms(True)
    for name in sys.argv[1:] or list(CASES):
        run_case(name, *CASES[name])


if __name__ == "__main__":
    main()

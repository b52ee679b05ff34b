#!/usr/bin/env python3
"""Trajectory fixture of the ``pd-vq-f8`` recipe: a PyTorch loop built from stanipov/pytorch-diffusion's own VQ
training pieces that `vae train`'s Trainer must follow step for step.

The repository has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) of
https://github.com/stanipov/pytorch-diffusion as ``--upstream DIR`` (or $PYTORCH_DIFFUSION_REPO); its files are
extracted unmodified from the pinned commit 705b0076fc4fc3968cf52fae47bbb6fbdace5a6d and imported:

* ``src/models/vq_vae.py`` ``VQModel`` (built with ``src/train/util.py: set_VQModel``'s reads and defaults, as
  ``gen_pytorch_diffusion_vq.build_vq`` does) at tiny widths (init 4, ch_mult 1,2,2,2: f8, 2 groups, 1 stack, linear
  attention at every level, avg pooling, nearest upsampling, tanh output; 16 codes of dimension 4, upstream's own
  uniform codebook initialisation), called as ``train_VQ_DiscLPIPS.py`` calls it: ``model(batch, encoder_tanh)``,
* ``src/losses/LPIPSWithDisc.py`` ``LPIPSWithDiscriminator`` with the ``lpips`` config keys ``train_VQ`` passes
  (``pixel_loss`` huber, ``perceptual_weight`` 0: the case has no perceptual term, so ``torchmetrics``, which it
  imports at module level, is a stand-in that must never run), its ``disc_start`` 8 (GAN term from step 9: it tests
  ``global_step > disc_start``), hinge, ``discriminator_weight`` 1.0 x the adaptive weight at
  ``model.get_last_layer()``,
* ``src/losses/discriminator.py`` ``NLayerDiscriminator(3, ndf 8, 3 layers)`` ``.apply(weights_init)`` as
  ``src/train/util.py: init_discriminator`` builds it,
* ``torch.optim.AdamW`` (0.5, 0.9), eps 1e-7, weight decay 1e-5 and ``OneCycleLR`` (pct_start 0.45, cos, three
  phases, ``cycle_momentum=False``; div 8, final div 16 for the model, div 4, final div 8 for the discriminator; peak
  5e-5 instead of the recipe's 4e-3, at which 20 float32 steps of this tiny model are chaotic) as ``set_optimizer`` / ``set_lr_scheduler_OneCycleLR`` build
  them (without ``fused=True``, a CUDA kernel).

Upstream replaces the codebook loss it is given by ``torch.tensor([0.0])``, so the codebook never changes; the Java
side reproduces that with ``codebook_weight: 0``. One optimizer step is what vae4j's Trainer does, which differs from
``train_VQ_DiscLPIPS.py``'s loop in the ways the recipe states: the discriminator is frozen during the generator's
backward (upstream leaves it trainable, so the generator loss's gradient lands in the discriminator's), and the
optimizers step from the first step on (upstream skips the update at step 0, so steps 0 and 1 are applied together).
Each step: ``model(x)``; generator loss (optimizer_idx 0) backward; discriminator loss (optimizer_idx 1; the discriminator
trains from step 0 upstream) backward; step both optimizers and schedulers.

Writes ``vae-recipes/src/test/resources/fixtures/training/pd_vq_f8.safetensors`` in ``gen_trajectory.py``'s layout
(``images``, ``init.ae.*``, ``init.disc.*``, ``lr``, ``loss.<term>``, ``final.ae.*``, ``final.disc.*``,
``spread.*``); autoencoder keys renamed to vae4j's (``gen_pytorch_diffusion.pytorch_diffusion_prefixes``, the
codebook ``_vq._embedding.weight`` as ``quantize.embedding.weight``). Terms, in vae4j's names: total, rec
(upstream's ``rec``: mean Huber), nll (= rec without LPIPS), p (0), g (upstream's ``log_fake``), d_weight,
disc_factor (1 where upstream adds the GAN term), quant_loss (the loss ``VQModel`` returns, before upstream discards
it), usage and perplexity of the batch's indices; d_total and disc (upstream's ``disc_loss``), logits_real,
logits_fake.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_trajectory as base  # noqa: E402  (batches, spread, file layout)
import kernel_variants  # noqa: E402
from gen_pytorch_diffusion import pytorch_diffusion_prefixes, rename  # noqa: E402
from gen_pytorch_diffusion_vq import build_vq  # noqa: E402
from gen_trajectory_vq import sort_metadata  # noqa: E402
from upstream import snapshot, stub_modules, upstream_arg  # noqa: E402

COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
NAME = "pd_vq_f8"
RECIPE = "pd-vq-f8"
STEPS, BATCH, SIZE = 20, 4, 32
UPSTREAM_DISC_START = 8  # LPIPSWithDiscriminator adds the GAN term where global_step > disc_start: from step 9

# the model block (set_VQModel's keys) and the discriminator / loss / optimizer / schedule config train_VQ reads
BLOCK = {"img_channels": 3, "enc_init_channels": 4, "ch_mult": [1, 2, 2, 2], "grnorm_groups": 2, "resnet_stacks": 1,
         "latent_dim": 4, "num_vq_embeddings": 16, "vq_embed_dim": 4, "commitment_cost": 0.25, "down_mode": "avg",
         "down_kern": 2, "down_attn": [0, 1, 2, 3], "up_mode": "nearest", "up_scale": 2, "up_attn": [0, 1, 2, 3],
         "attn_heads": 1, "attn_dim": 4, "eps": 1e-7, "scaling_factor": 0.18215, "dec_tanh_out": True}
ENCODER_TANH = False
DISCRIMINATOR = {"disc_in_channels": 3, "disc_num_layers": 3, "disc_ndf": 8, "use_actnorm": False}
LPIPS_CFG = {"codebook_weight": 1.0, "pixelloss_weight": 1.0, "perceptual_weight": 0.0, "pixel_loss": "huber"}
LR = 5e-5  # the recipe's one-cycle peak 4e-3 makes 20 float32 steps chaotic (codes flip); the shape is kept
OPTIMIZER = {"lr": LR, "betas": [0.5, 0.9], "eps": 1e-7, "weight_decay": 1e-5}
ONE_CYCLE = {"max_lr": LR, "pct_start": 0.45, "anneal_strategy": "cos", "cycle_momentum": False, "div_factor": 8.0,
             "final_div_factor": 16.0, "three_phase": True}
ONE_CYCLE_D = dict(ONE_CYCLE, div_factor=4.0, final_div_factor=8.0)  # its lr_scheduler_d

# the recipe changes the Java test applies: this model as vae4j's config, the window, fp32, the codebook weight 0
VAE4J_MODEL = {
    "_class_name": "PytorchDiffusionVQModel", "in_channels": 3, "out_channels": 3, "block_layout": "post_activation",
    "block_out_channels": [4, 8, 8, 8], "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4, "down_block_attention": ["linear"] * 4,
    "up_block_attention": ["linear"] * 4, "mid_block_add_attention": True, "mid_block_attention_type": "linear",
    "linear_attention_heads": 1, "attention_head_dim": 4, "downsample_type": "avg_pool", "layers_per_block": 1,
    "latent_channels": 4, "norm_num_groups": 2, "norm_eps": 1e-7, "act_fn": "silu", "output_activation": "tanh",
    "weight_standardized_convs": True, "use_quant_conv": False, "use_post_quant_conv": False,
    "latent_sampling": "additive", "latent_noise_std": 0.0, "sample_size": SIZE, "scaling_factor": 0.18215,
    "num_vq_embeddings": 16, "vq_embed_dim": 4, "commitment_cost": 0.25, "encode_tanh_out": ENCODER_TANH}
OVERRIDES = {
    "model": {"config": VAE4J_MODEL},
    "data": {"image_size": SIZE},
    "train": {"steps": STEPS, "batch_size": BATCH, "precision": "fp32", "generator_optimizer": {"lr": LR},
              "discriminator_optimizer": {"lr": LR}},
    "objective": {"codebook_weight": 0.0, "perceptual_weight": 0.0, "gan_start": UPSTREAM_DISC_START + 1},
}


def import_upstream(repo):
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models", "src/losses/__init__.py",
                                   "src/losses/LPIPSWithDisc.py", "src/losses/util.py",
                                   "src/losses/discriminator.py", "src/utils/__init__.py", "src/utils/aux.py"])
    sys.path.insert(0, str(root))
    # imported at module level by LPIPSWithDisc.py (LPIPS, unweighted here) and src/utils/aux.py (plotting helpers)
    stub_modules("torchmetrics", "torchmetrics.image", "torchmetrics.image.lpip", "matplotlib",
                 "matplotlib.pyplot", "torchvision", "torchvision.transforms")
    from src.losses.LPIPSWithDisc import LPIPSWithDiscriminator
    from src.losses.discriminator import NLayerDiscriminator, weights_init
    from src.models.vq_vae import VQModel
    return VQModel, LPIPSWithDiscriminator, NLayerDiscriminator, weights_init


def vae4j_names(state):
    """The VQModel state dict under vae4j's names (the mapping vae4j's pytorch-diffusion-vq layout applies)."""
    kw = {"enc_init_ch": BLOCK["enc_init_channels"], "ch_mult": BLOCK["ch_mult"],
          "resnet_stacks": BLOCK["resnet_stacks"], "down_attn": BLOCK["down_attn"], "up_attn": BLOCK["up_attn"]}
    return rename(state, pytorch_diffusion_prefixes(kw) + [("_vq._embedding.", "quantize.embedding.")])


def train_loop(repo):
    VQModel, LPIPSWithDiscriminator, NLayerDiscriminator, weights_init = import_upstream(repo)
    torch.manual_seed(20261206)
    model = build_vq(VQModel, BLOCK)
    disc = NLayerDiscriminator(input_nc=DISCRIMINATOR["disc_in_channels"], ndf=DISCRIMINATOR["disc_ndf"],
                               n_layers=DISCRIMINATOR["disc_num_layers"],
                               use_actnorm=DISCRIMINATOR["use_actnorm"]).apply(weights_init)
    loss_fn = LPIPSWithDiscriminator(discriminator=disc, disc_start=UPSTREAM_DISC_START, discriminator_weight=1.0,
                                     disc_factor=1.0, disc_loss="hinge", cfg=LPIPS_CFG)
    assert loss_fn.lpips is None
    images = base.crops(STEPS * BATCH, SIZE, seed=len(NAME))
    tensors = {"images": images.contiguous()}
    tensors.update({f"init.ae.{k}": v for k, v in vae4j_names(model.state_dict()).items()})
    tensors.update({f"init.disc.{k}": v.clone() for k, v in disc.state_dict().items()})
    model.train()
    loss_fn.train()

    def adamw(params):
        return torch.optim.AdamW(params, lr=OPTIMIZER["lr"], betas=OPTIMIZER["betas"], eps=OPTIMIZER["eps"],
                                 weight_decay=OPTIMIZER["weight_decay"])

    def one_cycle(optimizer, config):
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, total_steps=STEPS, **config)

    opt_g, opt_d = adamw(model.parameters()), adamw(disc.parameters())
    sched_g, sched_d = one_cycle(opt_g, ONE_CYCLE), one_cycle(opt_d, ONE_CYCLE_D)
    codes = BLOCK["num_vq_embeddings"]
    logs = {k: [] for k in ["total", "quant_loss", "nll", "rec", "p", "g", "d_weight", "disc_factor", "usage",
                            "perplexity", "d_total", "disc", "logits_real", "logits_fake"]}
    lrs = []
    for step in range(STEPS):
        lrs.append(opt_g.param_groups[0]["lr"])
        x = images[step * BATCH:(step + 1) * BATCH].float() / 255 * 2 - 1
        recon, q_loss, perplexity, _, indices = model(x, ENCODER_TANH)
        assert perplexity is None

        disc.requires_grad_(False)
        m_loss, m_msg = loss_fn(q_loss, x, recon, 0, step, last_layer=model.get_last_layer())
        m_loss.backward()
        disc.requires_grad_(True)
        assert m_msg["q"] == 0.0  # upstream's LPIPSWithDiscriminator discards the codebook loss
        gan_on = step > UPSTREAM_DISC_START
        for key, value in [("total", m_msg["total"]), ("rec", m_msg["rec"]), ("nll", m_msg["rec"]),
                           ("p", m_msg["p"]), ("g", m_msg["log_fake"]), ("d_weight", m_msg["d_weight"]),
                           ("disc_factor", 1.0 if gan_on else 0.0), ("quant_loss", float(q_loss.detach()))]:
            logs[key].append(float(value))
        counts = torch.bincount(indices.reshape(-1), minlength=codes).double()
        freq = counts / counts.sum()
        logs["usage"].append(float((counts > 0).double().mean()))
        logs["perplexity"].append(float(torch.exp(-torch.sum(freq * torch.log(freq + 1e-10)))))

        d_loss, d_msg = loss_fn(q_loss, x, recon, 1, step, last_layer=model.get_last_layer())
        d_loss.backward()
        for key, value in [("d_total", d_msg["disc_loss"]), ("disc", d_msg["disc_loss"]),
                           ("logits_real", d_msg["logits_real"]), ("logits_fake", d_msg["logits_fake"])]:
            logs[key].append(float(value))

        assert model._vq._embedding.weight.grad is None  # no loss reaches the codebook
        opt_g.step()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        opt_d.zero_grad(set_to_none=True)
        sched_g.step()
        sched_d.step()
        print(f"{NAME} step {step + 1}: " + ", ".join(f"{k} {v[-1]:.6g}" for k, v in logs.items() if v[-1] != 0))

    assert torch.equal(model._vq._embedding.weight, tensors["init.ae.quantize.embedding.weight"])
    tensors["lr"] = torch.tensor(lrs, dtype=torch.float64)
    for key, values in logs.items():
        tensors[f"loss.{key}"] = torch.tensor(values, dtype=torch.float64)
    tensors.update({f"final.ae.{k}": v for k, v in vae4j_names(model.state_dict()).items()})
    tensors.update({f"final.disc.{k}": v.detach().clone() for k, v in disc.state_dict().items()})
    return tensors


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(kernel_variants.threads())
    tensors = train_loop(repo)
    if kernel_variants.rerun_output():
        kernel_variants.save_rerun(kernel_variants.rerun_output(), tensors)
        return
    usage = tensors["loss.usage"]
    assert float(usage.max()) * BLOCK["num_vq_embeddings"] >= 2, "the batches must use more than one code"
    base.add_spread(NAME, tensors, kernel_variants.rerun_all([__file__, "--upstream", str(repo)]))
    base.OUT_ROOT.mkdir(parents=True, exist_ok=True)
    out = base.OUT_ROOT / f"{NAME}.safetensors"
    tmp = out.with_suffix(".tmp")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp),
              metadata={"recipe": RECIPE, "overrides": json.dumps(OVERRIDES, sort_keys=True), "lpips": ""})
    sort_metadata(tmp)
    tmp.replace(out)
    print(f"wrote {out.relative_to(base.REPO_ROOT)} ({out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Parity fixtures from cloneofsimo/vqgan-training's own files (``ae.py``, ``utils.py``, ``vae_trainer.py``).

The repository has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) of
https://github.com/cloneofsimo/vqgan-training as ``--upstream DIR`` (or $VQGAN_TRAINING_REPO); the files are extracted
unmodified from the pinned commits below and imported. Modules the imported files load at import time but the
fixtures never call (wandb, webdataset, transformers' scheduler) get stand-ins that raise if reached.

Pinned commits:
  HEAD  379fe36eee4e90e01a4076b2815d49e6736db992 (2024-10-18, "Merge pull request #6 from cloneofsimo/v0.3")
  v0.2  521df37ef93fade7b66c679e0ff6b167b884cb63 ("v0.2", the code its README describes)

Writes into ``vae-core/src/test/resources/fixtures/vqgan_training/``:

  ae/config.json, ae/diffusion_pytorch_model.safetensors, ae/io.safetensors
      HEAD ``ae.VAE`` (ch 32, ch_mult [1, 1], 1 res block, z 4, use_attn False; ae.py hard-codes GroupNorm(32), so
      32 is the narrowest width) with seeded random weights renamed to vae4j keys; ``input``, ``latent`` (encoder),
      ``decoded`` (decoder of the latent: HEAD's DiagonalGaussian has std 0.00), and v0.2's DiagonalGaussian
      (std 0.1) on that latent: ``noise`` (the randn_like it drew) and ``sample``.
  ae/trainer_keys.json
      every key of that model as ``vae_trainer.py`` saves it (DDP + ``torch.compile``d encoder and decoder:
      ``module.encoder._orig_mod.conv_in.weight``) with its vae4j name and shape, for vae4j's own key mapping.
  attn_block.safetensors
      HEAD ``ae.AttnBlock(128)`` (2 heads of the hard-coded 64), seeded random weights under its own names
      (``norm.*``, ``qkv.weight``, ``proj_out.weight``), ``input`` and ``output``.
  counts.json
      parameter counts of the ``vqgan-training-f8c16`` preset's configuration (ch 256, ch_mult 1,2,4,4, 2 blocks,
      z 16, mid attention) from v0.2's ``ae.VAE``, checked equal to HEAD's ``ae.VAE(use_attn=False)`` plus one
      ``AttnBlock(1024)`` per side (HEAD cannot build ``use_attn=True``, see ``parameter_counts``), and HEAD's CLI
      default (``--do_attn False``) for the record.

Into ``vae-discriminators/src/test/resources/fixtures/vqgan_training_discriminator/``: v0.2's and HEAD's
``utils.PatchDiscriminator`` with formula weights (``formula_vgg_features``, recomputed by the Java test), input,
logits and input gradient. Into ``vae-losses/src/test/resources/fixtures/vqgan_training_losses/``: gradnorm (HEAD, v0.2),
discriminator and generator GAN losses, the z penalty and three steps of HEAD's inline LeCam discriminator step
(``upstream_block``). Each folder's README lists the tensors and the upstream defects met.

Seeded, CPU, float32, one thread, deterministic: two runs give identical tensors.
"""

import importlib
import json
import os
import shutil
import math
import re
import sys
import tempfile
import textwrap
import types
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn as nn
import torchvision
from safetensors.torch import save_file

from gen_metrics import splitmix_uniform
from upstream import diffusers_keys, snapshot, stub_modules, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/vqgan_training"
DISC_OUT = REPO_ROOT / "vae-discriminators/src/test/resources/fixtures/vqgan_training_discriminator"
LOSSES_OUT = REPO_ROOT / "vae-losses/src/test/resources/fixtures/vqgan_training_losses"
HEAD = "379fe36eee4e90e01a4076b2815d49e6736db992"
V02 = "521df37ef93fade7b66c679e0ff6b167b884cb63"
SEED = 20251018


def import_commit(repo, commit):
    """The modules ae, utils and vae_trainer of ``commit``, imported from its unmodified files."""
    root = snapshot(repo, commit, ["ae.py", "utils.py", "vae_trainer.py"])
    sys.path.insert(0, str(root))
    try:
        modules = {name: importlib.import_module(name) for name in ("ae", "utils", "vae_trainer")}
    finally:
        sys.path.remove(str(root))
        for name in ("ae", "utils", "vae_trainer"):
            sys.modules.pop(name, None)
    modules["source"] = (root / "vae_trainer.py").read_text()
    return types.SimpleNamespace(**modules)


def load_upstream(repo):
    """(HEAD, v0.2) namespaces of ae, utils, vae_trainer and vae_trainer's source text."""
    stub_modules("wandb", "webdataset", "transformers", "click", decorators=[("click", "command"),
                                                                            ("click", "option")])
    return import_commit(repo, HEAD), import_commit(repo, V02)


def vqgan_training_key(key, levels):
    """ae.py (LDM-style) key -> vae4j key."""
    k = key
    k = re.sub(r"^encoder\.down\.(\d+)\.block\.(\d+)\.", r"encoder.down_blocks.\1.resnets.\2.", k)
    k = re.sub(r"^encoder\.down\.(\d+)\.downsample\.", r"encoder.down_blocks.\1.downsamplers.0.", k)
    k = re.sub(r"^decoder\.up\.(\d+)\.block\.(\d+)\.",
               lambda m: f"decoder.up_blocks.{levels - 1 - int(m[1])}.resnets.{m[2]}.", k)
    k = re.sub(r"^decoder\.up\.(\d+)\.upsample\.",
               lambda m: f"decoder.up_blocks.{levels - 1 - int(m[1])}.upsamplers.0.", k)
    k = re.sub(r"\.mid\.block_1\.", ".mid_block.resnets.0.", k)
    k = re.sub(r"\.mid\.block_2\.", ".mid_block.resnets.1.", k)
    k = re.sub(r"\.mid\.attn_1\.", ".mid_block.attentions.0.", k)
    k = re.sub(r"\.norm_out\.", ".conv_norm_out.", k)
    k = re.sub(r"\.nin_shortcut\.", ".conv_shortcut.", k)
    return k


@torch.no_grad()
def randomize_(model, gen):
    """conv weights ~ N(0, 1/fan_in), norm weights 1 + 0.1*N, every bias 0.1*N (ae.py's own init zeroes the biases and
    makes conv2 ~1e-6, which would leave most of the forward untested)."""
    for m in model.modules():
        if isinstance(m, nn.GroupNorm):
            m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, nn.Conv2d):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.weight[0].numel()))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def contiguous(tensors):
    return {k: v.detach().clone().contiguous() for k, v in tensors.items()}


@torch.no_grad()
def autoencoder_fixture(ae_head, ae_v02, gen):
    ch, mult, blocks, z = 32, [1, 1], 1, 4
    vae = ae_head.VAE(resolution=16, in_channels=3, ch=ch, out_ch=3, ch_mult=list(mult), num_res_blocks=blocks,
                      z_channels=z, use_attn=False, decoder_also_perform_hr=False, use_wavelet=False).eval()
    randomize_(vae, gen)
    x = torch.randn(2, 3, 16, 16, generator=gen)
    decoded, latent = vae(x)  # HEAD: reg is the identity (std 0.00)
    assert torch.equal(decoded, vae.decoder(latent))
    reg = ae_v02.DiagonalGaussian()
    torch.manual_seed(SEED)
    sample = reg(latent)
    torch.manual_seed(SEED)
    noise = torch.randn_like(latent)
    assert torch.equal(sample, latent * (1 + 0.1 * noise))
    n = len(mult)
    # latent_noise_std is vae4j's default 0.1, v0.2's constant (HEAD's 0.00 makes the sample the latent itself)
    config = diffusers_keys([ch * m for m in mult], blocks, z, 32, False, 1.0, mid_attention=False)
    config["latent_sampling"] = "multiplicative"
    out = CORE_OUT / "ae"
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(dict(sorted(config.items())), indent=2) + "\n")
    weights = {vqgan_training_key(k, n): v for k, v in vae.state_dict().items()}
    save_file(contiguous(weights), out / "diffusion_pytorch_model.safetensors")
    save_file(contiguous({"input": x, "latent": latent, "decoded": decoded, "noise": noise, "sample": sample}),
              out / "io.safetensors")
    print(f"ae: {sum(v.numel() for v in weights.values())} parameters")
    return vae


def trainer_keys(vae):
    """ae/trainer_keys.json: the keys of ``vae`` as vae_trainer.py saves it (``torch.save(vae.state_dict())`` of the
    DDP-wrapped model with ``--do_compile``: ``module.encoder._orig_mod.*``), each with its vae4j name and shape.
    Names only: the tensors are those of diffusion_pytorch_model.safetensors."""
    from torch.nn.parallel import DistributedDataParallel as DDP
    ddp = DDP(vae)
    ddp.module.encoder = torch.compile(ddp.module.encoder, fullgraph=False, mode="max-autotune")
    ddp.module.decoder = torch.compile(ddp.module.decoder, fullgraph=False, mode="max-autotune")
    n = len(vae.encoder.down)
    lines = []
    for key, value in ddp.state_dict().items():
        local = key.removeprefix("module.").replace("_orig_mod.", "")
        lines.append(f"{json.dumps(key)}: {json.dumps([vqgan_training_key(local, n), list(value.shape)])}")
    (CORE_OUT / "ae" / "trainer_keys.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")


@torch.no_grad()
def attention_fixture(ae_head, gen):
    block = ae_head.AttnBlock(128).eval()
    randomize_(block, gen)
    x = torch.randn(2, 128, 4, 3, generator=gen)
    tensors = {f"weights.{k}": v for k, v in block.state_dict().items()}
    tensors.update({"input": x, "output": block(x)})
    save_file(contiguous(tensors), CORE_OUT / "attn_block.safetensors")


def count(module):
    return sum(p.numel() for p in module.parameters())


def parameter_counts(ae_head, ae_v02):
    preset = dict(resolution=256, in_channels=3, ch=256, out_ch=3, num_res_blocks=2, z_channels=16)
    with torch.device("meta"):
        v02 = ae_v02.VAE(ch_mult=[1, 2, 4, 4], **preset)
        # HEAD cannot build use_attn=True: its init loop zeroes the bias of every Conv2d, and AttnBlock's bias-free
        # qkv/proj_out make that nn.init.zeros_(None) -> AttributeError. So HEAD is counted without attention plus
        # one stand-alone AttnBlock per side.
        head_cli = ae_head.VAE(ch_mult=[1, 2, 4, 4], use_attn=False, decoder_also_perform_hr=False,
                               use_wavelet=False, **preset)
        attention = count(ae_head.AttnBlock(1024))
    counts = {"vqgan-training-f8c16": {"encoder": count(v02.encoder), "decoder": count(v02.decoder)},
              "head-cli-default-no-attention": {"encoder": count(head_cli.encoder),
                                                "decoder": count(head_cli.decoder)}}
    assert counts["vqgan-training-f8c16"] == {"encoder": count(head_cli.encoder) + attention,
                                              "decoder": count(head_cli.decoder) + attention}
    (CORE_OUT / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    print(f"counts: {counts}")


def upstream_block(source, first, last):
    """The lines of ``source`` from the first line containing ``first`` to the next containing ``last``, dedented
    and compiled: inline code of ``train_ddp`` (not reachable as a function) run verbatim."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if first in line)
    end = next(i for i in range(start, len(lines)) if last in lines[i])
    return compile(textwrap.dedent("\n".join(lines[start:end + 1])), f"vae_trainer.py:{start + 1}", "exec")


def gradnorm_grad(gradnorm, x, c, *weight):
    """The gradient reaching x of sum(c * gradnorm(x)^2)."""
    x = x.clone().requires_grad_(True)
    (c * gradnorm(x, *weight).pow(2)).sum().backward()
    return x.grad


def loss_fixture(head, v02, gen):
    trainer = head.vae_trainer
    io = {}
    x = torch.tanh(torch.randn(2, 3, 32, 32, generator=gen))
    y = torch.tanh(x + 0.3 * torch.randn(2, 3, 32, 32, generator=gen))
    z = torch.randn(2, 4, 4, 4, generator=gen)
    io.update({"x": x, "y": y, "z": z})
    # vae_loss_function at its defaults (do_recon False): 0.1 * mean(z^2)
    io["vae_loss"] = trainer.vae_loss_function(x, y, z)[0]
    # gradnorm: HEAD (scalar norm, all-reduced AVG over a 1-process gloo group = the norm itself) and v0.2 (dim 0)
    g = torch.randn(2, 3, 4, 4, generator=gen)
    c = torch.randn(2, 3, 4, 4, generator=gen)
    io.update({"gn_x": g, "gn_c": c})
    for name, w in (("1", 1.0), ("0_001", 0.001)):
        io[f"gn_head_grad_{name}"] = gradnorm_grad(trainer.gradnorm, g, c, w)
    io["gn_v02_grad"] = gradnorm_grad(v02.vae_trainer.gradnorm, g, c)
    # discriminator losses (HEAD bce / hinge, each x0.5; v0.2 the plain BCE sum)
    real = 1.5 * torch.randn(2, 16, generator=gen)
    fake = 1.5 * torch.randn(2, 16, generator=gen) - 0.5
    io.update({"logits_real": real, "logits_fake": fake})
    for disc_type in ("bce", "hinge"):
        io[f"d_head_{disc_type}"] = trainer.gan_disc_loss(real, fake, disc_type)[0]
    io["d_v02"] = v02.vae_trainer.gan_disc_loss(real, fake)[0]
    # generator GAN loss: HEAD's inline branch (bce / hinge) and v0.2's thresholded hinge
    generator = upstream_block(head.source, "# g_gan_loss = (real_preds_const", "g_gan_loss = -fake_preds.mean()")
    for disc_type in ("bce", "hinge"):
        scope = {"disc_type": disc_type, "fake_preds": fake, "nn": nn, "torch": torch}
        exec(generator, scope)
        io[f"g_head_{disc_type}"] = scope["g_gan_loss"]
    scope = {"real_preds_const": real, "fake_preds": fake}
    exec(upstream_block(v02.source, "g_gan_loss = (real_preds_const", "g_gan_loss = (real_preds_const"), scope)
    io["g_v02"] = scope["g_gan_loss"]
    # HEAD's discriminator step with LeCam (hinge, use_lecam), three steps from zero anchors
    step = upstream_block(head.source, "d_loss, avg_real_logits, avg_fake_logits, disc_acc = gan_disc_loss(",
                          "total_d_loss = total_d_loss + lecam_loss * lecam_loss_weight")
    state = {"lecam_anchor_real_logits": 0.0, "lecam_anchor_fake_logits": 0.0, "lecam_beta": 0.9,
             "lecam_loss_weight": 0.1, "use_lecam": True, "disc_type": "hinge", "device": "cpu",
             "gan_disc_loss": trainer.gan_disc_loss, "avg_scalar_over_nodes": trainer.avg_scalar_over_nodes}
    for t in range(3):
        state["real_preds"] = 1.5 * torch.randn(2, 16, generator=gen) + 0.5 * t
        state["fake_preds"] = 1.5 * torch.randn(2, 16, generator=gen) - 0.5 * t
        exec(step, state)
        io[f"lecam_real_{t}"], io[f"lecam_fake_{t}"] = state["real_preds"], state["fake_preds"]
        io[f"lecam_loss_{t}"] = state["lecam_loss"]
        io[f"lecam_total_d_{t}"] = state["total_d_loss"]
        io[f"lecam_anchors_{t}"] = torch.tensor([state["lecam_anchor_real_logits"],
                                                 state["lecam_anchor_fake_logits"]], dtype=torch.float64)
    LOSSES_OUT.mkdir(parents=True, exist_ok=True)
    save_file(contiguous({k: torch.as_tensor(v) for k, v in io.items()}), LOSSES_OUT / "losses.safetensors")
    print(f"losses: {len(io)} tensors")


def formula_vgg_features(names_shapes):
    """Deterministic weights the Java tests recompute: element i of tensor ``name`` draws u from gen_metrics'
    SplitMix64 of (crc32(name) << 32) + i; weights (2u - 1) sqrt(6 / fan_in), biases 0.2 (2u - 1)."""
    out = {}
    for name, shape in names_shapes:
        n = math.prod(shape)
        u = torch.from_numpy(splitmix_uniform(name, n))
        if name.endswith("weight"):
            v = (2 * u - 1) * math.sqrt(6.0 / (n // shape[0]))
        else:
            v = 0.2 * (2 * u - 1)
        out[name] = v.to(torch.float32).reshape(shape)
    return out


def build_with_zero_vgg16(factory):
    """``factory()`` (a PatchDiscriminator, which calls ``models.vgg16(pretrained=True)``) with a zero-filled
    ``vgg16-397923af.pth`` in a private TORCH_HOME, so that nothing is downloaded."""
    home = Path(tempfile.mkdtemp(prefix="torch-home-"))
    (home / "hub/checkpoints").mkdir(parents=True)
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in torchvision.models.vgg16().state_dict().items()}
    torch.save({k: torch.zeros(v) for k, v in shapes.items()}, home / "hub/checkpoints/vgg16-397923af.pth")
    previous = os.environ.get("TORCH_HOME")
    os.environ["TORCH_HOME"] = str(home)
    try:
        return factory().eval()
    finally:
        shutil.rmtree(home)
        if previous is None:
            del os.environ["TORCH_HOME"]
        else:
            os.environ["TORCH_HOME"] = previous


def logits_and_input_grad(disc, x):
    xg = x.clone().requires_grad_(True)
    with torch.enable_grad():
        logits = disc(xg)
        logits.square().sum().backward()
    return logits.detach(), xg.grad


@torch.no_grad()
def discriminator_fixture(head, v02, gen):
    """v0.2's ``utils.PatchDiscriminator`` (trunk set to the formula weights, the zero-initialised head to seeded
    values: a zero head makes every logit 0) and HEAD's (every parameter, heads included, set to formula weights
    under vae4j's names: ``features.N`` for ``sliceK.0.N``)."""
    disc = build_with_zero_vgg16(v02.utils.PatchDiscriminator)
    trunk = formula_vgg_features([(f"features.{k}", tuple(v.shape)) for k, v in disc.features.state_dict().items()])
    disc.features.load_state_dict({k[len("features."):]: v for k, v in trunk.items()})
    disc.binary_classifier[0].weight.copy_(torch.randn(1, 256, 1, 1, generator=gen) / 16.0)
    x = torch.tanh(torch.randn(2, 3, 24, 20, generator=gen))
    logits, grad = logits_and_input_grad(disc, x)
    save_file(contiguous({"head.weight": disc.binary_classifier[0].weight, "input": x, "logits": logits,
                          "input_grad": grad}), DISC_OUT / "vgg_patch_discriminator.safetensors")
    print(f"v0.2 discriminator: logits {tuple(logits.shape)}")

    disc = build_with_zero_vgg16(head.utils.PatchDiscriminator)
    ours = {}
    for key, value in disc.state_dict().items():
        if key.startswith("scaling_layer."):
            continue
        match = re.fullmatch(r"slice\d\.0\.(\d+)\.(weight|bias)", key)
        ours[key] = f"features.{match[1]}.{match[2]}" if match else key
    values = formula_vgg_features([(name, tuple(disc.state_dict()[key].shape)) for key, name in ours.items()])
    disc.load_state_dict({key: values[name] for key, name in ours.items()}, strict=False)
    x = torch.tanh(torch.randn(2, 3, 32, 48, generator=gen))
    logits, grad = logits_and_input_grad(disc, x)
    save_file(contiguous({"input": x, "logits": logits, "input_grad": grad}),
              DISC_OUT / "vgg_pyramid_discriminator.safetensors")
    print(f"HEAD discriminator: logits {tuple(logits.shape)}, max |logit| {float(logits.abs().max()):.3g}")


def single_process_group():
    """HEAD's gradnorm all-reduces its scalar over the process group: a 1-process gloo group makes that the identity."""
    store = Path(tempfile.mkdtemp()) / "store"
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)


def main():
    repo = upstream_arg("VQGAN_TRAINING_REPO", "cloneofsimo/vqgan-training")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    head, v02 = load_upstream(repo)
    ae_head, ae_v02 = head.ae, v02.ae
    CORE_OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    vae = autoencoder_fixture(ae_head, ae_v02, gen)
    attention_fixture(ae_head, gen)
    parameter_counts(ae_head, ae_v02)
    DISC_OUT.mkdir(parents=True, exist_ok=True)
    discriminator_fixture(head, v02, gen)
    single_process_group()
    try:
        trainer_keys(vae)
        loss_fixture(head, v02, gen)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()

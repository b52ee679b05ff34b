#!/usr/bin/env python3
"""Parity fixtures from stanipov/pytorch-diffusion's own model files (``src/models/*.py``, ``configs/vae_f8.json``).

The repository has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) of
https://github.com/stanipov/pytorch-diffusion as ``--upstream DIR`` (or $PYTORCH_DIFFUSION_REPO); the files are
extracted unmodified from the pinned commit and imported (``from src.models.vae import VAE``).

Pinned commit: 705b0076fc4fc3968cf52fae47bbb6fbdace5a6d (2023-08-28, "Minor changes", HEAD).

Writes into ``vae-core/src/test/resources/fixtures/pytorch_diffusion/``:

  <case>/config.json, <case>/diffusion_pytorch_model.safetensors, <case>/io.safetensors
      ``VAE`` (init 4, ch_mult 1,2,4, 2 groups, 1 stack, latent 2, eps 1e-7) with the case's pooling/upsampling mode,
      linear-attention levels and tanh flag (CASES), seeded random weights renamed to vae4j keys
      (``pytorch_diffusion_prefixes``); ``input``, ``posterior_mean`` and ``posterior_logvar`` (the
      ``DiagonalGaussianDistribution`` of ``VAE._encode``), ``noise`` (the randn its ``sample()`` drew), ``sample``,
      ``decoded`` (``VAE.decode(sample)``).
  <case>/upstream_keys.json
      every key of the upstream ``VAE.state_dict()`` with its vae4j name (the renaming above) and shape: vae4j's
      ``PytorchDiffusionKeyMapping`` must reproduce it.
  avg_nearest/chkpt_snapshot.pt
      the resume checkpoint ``train_VAE_DiscLPIPS.py`` saves beside the model (optimizer, scaler and scheduler states,
      no weights; ``training_checkpoint``), for vae4j's error on it.
  <case>/upstream_config.json
      the case as a pytorch-diffusion training config (``model`` block with ``set_VAEModel``'s key names, ``dataset``
      image size), for vae4j's ``PytorchDiffusionVaeConfig``.
  avg_nearest/vae.pt
      ``torch.save(vae.state_dict())`` of that case, as the upstream train scripts save their models (``models/vae.pt``
      is one): the Java test converts it and runs the parity forward on the result.
  counts.json
      the parameter count of ``VAE`` built from ``configs/vae_f8.json``'s ``model`` block the way
      ``src/train/util.py: set_VAEModel`` reads it (the ``linear-attention-f8c4`` preset). The shipped JSON has a
      trailing comma (invalid JSON); trailing commas are dropped before parsing. ``set_VAEModel`` itself is not
      imported (its module pulls in the LPIPS/discriminator/EMA code); its ``cfg.get`` defaults are applied here.

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files.
"""

import json
import math
import re
import sys
from pathlib import Path

import torch
import torch.nn as nn
from safetensors.torch import save_file

from upstream import diffusers_keys, snapshot, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/pytorch_diffusion"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
SEED = 20230828
PICKLED_CASE = "avg_nearest"

CASES = {
    # the shape of vae_f8.json, scaled down: avg pooling, nearest, linear attention everywhere, tanh
    "avg_nearest": dict(down_mode="avg", up_mode="nearest", down_attn=[0, 1, 2], up_attn=[0, 1, 2],
                        attn_heads=2, attn_dim=4, dec_tanh_out=True),
    "max_bicubic": dict(down_mode="max", up_mode="bicubic", down_attn=[1], up_attn=[0],
                        attn_heads=1, attn_dim=8, dec_tanh_out=False),
    "avg_bilinear": dict(down_mode="avg", up_mode="bilinear", down_attn=[], up_attn=[],
                         attn_heads=2, attn_dim=4, dec_tanh_out=True),
}


def pytorch_diffusion_prefixes(kw):
    """(upstream prefix, vae4j prefix) pairs for VAE built with ``kw``, walking its Sequentials like the original does."""
    pairs = [("pre_quantizer.", "quant_conv."), ("post_quantizer.", "post_quant_conv."),
             ("_encoder.init_conv.", "encoder.conv_in."), ("_encoder.post_enc.0.", "encoder.conv_norm_out."),
             ("_encoder.post_enc.2.", "encoder.conv_out."), ("_decoder.conv_in.", "decoder.conv_in."),
             ("_decoder.post_up.0.", "decoder.conv_norm_out."), ("_decoder.post_up.1.", "decoder.conv_out.")]

    def attention(upstream, ours):
        return [(upstream + "fn.norm.", ours + "norm."), (upstream + "fn.fn.to_qkv.", ours + "to_qkv."),
                (upstream + "fn.fn.to_out.0.", ours + "out_proj."), (upstream + "fn.fn.to_out.1.", ours + "out_norm.")]

    for side in ("encoder", "decoder"):
        mid = f"_{side}.mid_block."
        pairs += [(mid + "0.", f"{side}.mid_block.resnets.0."), (mid + "2.", f"{side}.mid_block.resnets.1.")]
        pairs += attention(mid + "1.", f"{side}.mid_block.attentions.0.")
    init, mults = kw["enc_init_ch"], kw["ch_mult"]
    dims = [init] + [init * m for m in mults]
    levels = len(mults)
    plans = {"encoder": (list(zip(dims[:-1], dims[1:])), kw["down_attn"], "downsample", "downsamplers", 0),
             "decoder": (list(zip(dims[1:], dims[:-1]))[::-1], kw["up_attn"], "upscale", "upsamplers", 1)}
    for side, (in_out, attn, seq, resampler, attn_dim_index) in plans.items():
        idx = 0
        for ind, dims_pair in enumerate(in_out):
            ours = f"{side}.{'down_blocks' if side == 'encoder' else 'up_blocks'}.{ind}."
            for j in range(kw["resnet_stacks"]):
                pairs.append((f"_{side}.{seq}.{idx}.", f"{ours}resnets.{j}."))
                idx += 1
            if dims_pair[attn_dim_index] in attn or ind in attn:
                pairs += attention(f"_{side}.{seq}.{idx}.", f"{ours}attentions.0.")
                idx += 1
            if ind == levels - 1:
                pairs.append((f"_{side}.{seq}.{idx}.", f"{ours}channel_conv."))
            else:
                pairs += [(f"_{side}.{seq}.{idx}.1.", f"{ours}{resampler}.0.conv."),
                          (f"_{side}.{seq}.{idx}.2.", f"{ours}{resampler}.0.norm.")]
            idx += 1
    return pairs


def write_upstream_keys(state, pairs, path):
    """upstream key -> [vae4j key, shape], in state-dict order: what vae4j's own mapping must reproduce."""
    renamed = rename(state, pairs)
    keys = {key: [new, list(value.shape)] for (key, value), new in zip(state.items(), renamed)}
    path.write_text("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in keys.items()) + "\n}\n")


def rename(state, pairs):
    out = {}
    for key, value in state.items():
        best = max((p for p in pairs if key.startswith(p[0])), key=lambda p: len(p[0]), default=None)
        assert best is not None, f"no mapping for {key}"
        new = best[1] + key[len(best[0]):]
        assert new not in out, f"two keys map to {new}"
        out[new] = value.detach().clone().contiguous()
    return out


@torch.no_grad()
def randomize_(model, gen):
    """conv weights ~ N(0, 1/fan_in), norm weights 1 + 0.1*N, every bias 0.1*N."""
    for m in model.modules():
        if isinstance(m, nn.GroupNorm):
            m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, nn.Conv2d):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.weight[0].numel()))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def vae4j_config(kw):
    levels = len(kw["ch_mult"])
    attn = lambda chosen: ["linear" if i in chosen else "none" for i in range(levels)]
    config = diffusers_keys([kw["enc_init_ch"] * m for m in kw["ch_mult"]], kw["resnet_stacks"], kw["latent_dim"],
                            kw["grnorm_groups"], True, 0.18215)
    config.update({"block_layout": "post_activation", "mid_block_attention_type": "linear",
                   "attention_head_dim": kw["attn_dim"], "linear_attention_heads": kw["attn_heads"],
                   "downsample_type": {"avg": "avg_pool", "max": "max_pool"}[kw["down_mode"]],
                   "weight_standardized_convs": True, "norm_eps": kw["eps"]})
    if kw["up_mode"] != "nearest":
        config["upsample_type"] = kw["up_mode"]
    if kw["dec_tanh_out"]:
        config["output_activation"] = "tanh"
    if kw["down_attn"]:
        config["down_block_attention"] = attn(kw["down_attn"])
    if kw["up_attn"]:
        config["up_block_attention"] = attn(kw["up_attn"])
    return config


@torch.no_grad()
def autoencoder_case(VAE, name, variant, gen):
    kw = dict(img_ch=3, enc_init_ch=4, ch_mult=(1, 2, 4), grnorm_groups=2, resnet_stacks=1, latent_dim=2,
              down_kern=2, up_scale=2, eps=1e-7, **variant)
    vae = VAE(**kw).eval()
    randomize_(vae, gen)
    x = torch.randn(2, 3, 16, 16, generator=gen)
    posterior = vae._encode(x)
    torch.manual_seed(SEED)
    sample = posterior.sample()
    torch.manual_seed(SEED)
    noise = torch.randn(posterior.mean.shape)
    assert torch.equal(sample, posterior.mean + posterior.std * noise)
    decoded = vae.decode(sample)
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(dict(sorted(vae4j_config(kw).items())), indent=2) + "\n")
    pairs = pytorch_diffusion_prefixes(kw)
    weights = rename(vae.state_dict(), pairs)
    save_file(weights, out / "diffusion_pytorch_model.safetensors")
    write_upstream_keys(vae.state_dict(), pairs, out / "upstream_keys.json")
    write_upstream_config(VAE, vae, kw, out / "upstream_config.json")
    if name == PICKLED_CASE:
        # what train_VAE_DiscLPIPS.py writes: torch.save(model_eager.state_dict(), ...)
        torch.save(vae.state_dict(), out / "vae.pt")
    io = {"input": x, "posterior_mean": posterior.mean, "posterior_logvar": posterior.logvar, "noise": noise,
          "sample": sample, "decoded": decoded}
    save_file({k: v.detach().clone().contiguous() for k, v in io.items()}, out / "io.safetensors")
    print(f"{name}: {sum(v.numel() for v in weights.values())} parameters")


def vae_f8_model_block(root):
    """``configs/vae_f8.json``'s ``model`` block. The shipped JSON has a trailing comma (invalid JSON); trailing
    commas are dropped before parsing."""
    text = (root / "configs/vae_f8.json").read_text()
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["model"]


def build_vae(VAE, cfg):
    """``VAE`` from a config's model block ``cfg`` with the reads and defaults of ``src/train/util.py:
    set_VAEModel`` (vae_f8.json's 'img_ch' and 'group_norm' are not among them). ``set_VAEModel`` itself is not
    imported: its module pulls in the LPIPS/discriminator/EMA code."""
    return VAE(img_ch=cfg.get("img_channels", 3), enc_init_ch=cfg.get("enc_init_channels", 64),
               ch_mult=cfg.get("ch_mult", (1, 2, 4, 4)), grnorm_groups=cfg.get("grnorm_groups", 4),
               resnet_stacks=cfg.get("resnet_stacks", 2), latent_dim=cfg.get("latent_dim", 4),
               embed_dim=cfg.get("embed_dim", None), down_mode=cfg.get("down_mode", "max"),
               down_kern=cfg.get("down_kern", 2), down_attn=cfg.get("down_attn", []),
               up_mode=cfg.get("up_mode", "nearest"), up_scale=cfg.get("up_scale", 2),
               up_attn=cfg.get("up_attn", []), eps=cfg.get("eps", 1e-6),
               scaling_factor=cfg.get("scaling_factor", 0.18215), attn_heads=cfg.get("attn_heads", None),
               attn_dim=cfg.get("attn_dim", None), dec_tanh_out=cfg.get("dec_tanh_out", False))


def write_upstream_config(VAE, vae, kw, path):
    """The case as a pytorch-diffusion training config (``model`` block under set_VAEModel's key names, ``dataset``
    image size 16), checked to build the same state-dict shapes: vae4j's PytorchDiffusionVaeConfig must read it into
    the case's config.json."""
    names = {"img_ch": "img_channels", "enc_init_ch": "enc_init_channels", "ch_mult": "ch_mult",
             "grnorm_groups": "grnorm_groups", "resnet_stacks": "resnet_stacks", "latent_dim": "latent_dim",
             "down_mode": "down_mode", "down_kern": "down_kern", "down_attn": "down_attn", "up_mode": "up_mode",
             "up_scale": "up_scale", "up_attn": "up_attn", "attn_heads": "attn_heads", "attn_dim": "attn_dim",
             "eps": "eps", "dec_tanh_out": "dec_tanh_out"}
    block = {names[k]: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
    with torch.device("meta"):
        rebuilt = build_vae(VAE, block)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in vae.state_dict().items()}
    path.write_text(json.dumps({"model": block, "dataset": {"image_size": 16}}, indent=2) + "\n")


def preset_count(VAE, root):
    with torch.device("meta"):
        vae = build_vae(VAE, vae_f8_model_block(root))
    counts = {"linear-attention-f8c4": {"total": sum(p.numel() for p in vae.parameters())}}
    (OUT / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    print(f"counts: {counts}")


def training_checkpoint(path):
    """What train_VAE_DiscLPIPS.py saves as ``chkpt_snapshot.pt``: epoch, step, the model's and the discriminator's
    AdamW states (set_optimizer; not fused here, same state layout), scaler states (None without fp16) and OneCycleLR
    states (set_lr_scheduler_OneCycleLR's defaults). No model weights: vae4j must say so instead of guessing a layout.
    One-conv stand-ins for the model and the discriminator keep the file small."""
    gen = torch.Generator().manual_seed(SEED)
    model, disc = nn.Conv2d(3, 2, 1), nn.Conv2d(3, 1, 1)
    m_opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.5, 0.9), eps=1e-7, weight_decay=1e-5)
    d_opt = torch.optim.AdamW(disc.parameters(), lr=3e-4, betas=(0.5, 0.9), eps=1e-7, weight_decay=1e-5)
    m_sch = torch.optim.lr_scheduler.OneCycleLR(m_opt, max_lr=4e-3, total_steps=10)
    x = torch.randn(1, 3, 2, 2, generator=gen)
    for opt, net in ((m_opt, model), (d_opt, disc)):
        net(x).square().mean().backward()
        opt.step()
    m_sch.step()
    torch.save({"epoch": 0, "step": 1, "m_opt": m_opt.state_dict(), "m_scaler": None, "d_opt": d_opt.state_dict(),
                "d_scaler": None, "m_sch": m_sch.state_dict(), "d_sch": None}, path)


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models", "configs/vae_f8.json"])
    sys.path.insert(0, str(root))
    from src.models.vae import VAE
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    for name, variant in CASES.items():
        autoencoder_case(VAE, name, variant, gen)
    preset_count(VAE, root)
    training_checkpoint(OUT / PICKLED_CASE / "chkpt_snapshot.pt")


if __name__ == "__main__":
    main()

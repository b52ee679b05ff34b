#!/usr/bin/env python3
"""Parity fixture of stanipov/pytorch-diffusion's VQ-VAE (``src/models/vq_vae.py`` ``VQModel``) from its own files.

The repository has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) of
https://github.com/stanipov/pytorch-diffusion as ``--upstream DIR`` (or $PYTORCH_DIFFUSION_REPO); the files are
extracted unmodified from the pinned commit and imported (``from src.models.vq_vae import VQModel``).

Pinned commit: 705b0076fc4fc3968cf52fae47bbb6fbdace5a6d (2023-08-28, "Minor changes", HEAD).

Writes into ``vae-core/src/test/resources/fixtures/pytorch_diffusion_vq/`` (a README.md describing each file too):

  vq.pt
      ``torch.save(model.state_dict())`` of a tiny ``VQModel`` (init 4, ch_mult 1,2,4, 2 groups, 1 stack, latent 3,
      16 codes of dimension 5, commitment cost 0.3, avg pooling, bilinear upsampling, linear attention at encoder level
      1 and decoder level 0, tanh output) with seeded random weights and a codebook spread like the latents, under the
      upstream names, as ``train_VQ_DiscLPIPS.py`` saves its models.
  upstream_config.json
      that model as a pytorch-diffusion training config (``model`` block with the key names of ``src/train/util.py:
      set_VQModel``), checked to rebuild the same state-dict shapes with that function's defaults.
  io.safetensors
      ``input`` (2, 3, 16, 16); ``latents`` = ``model.encode(input)`` (before quantization); from
      ``model._vq(latents)``: ``quantized``, ``indices`` (int64, flat in (n, h, w) order as upstream returns them),
      ``loss`` (scalar); ``decoded`` = ``model(input)[0]``; ``decoded_from_latents`` = ``model.decode(latents)``;
      ``latents_grad`` and ``codebook_grad``: gradients of ``mean(decoded^2) + loss`` through the straight-through
      estimator (``straight_through_grads``); ``latents_tanh`` = ``model.encode(input, True)`` and ``decoded_tanh`` =
      ``model(input, True)[0]`` (the ``encode_tanh_out`` flag train_VQ_DiscLPIPS.py reads from the model block).
  counts.json
      the parameter count of the model (upstream ``sum(p.numel())``).

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files.
"""

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from gen_pytorch_diffusion import randomize_
from upstream import snapshot, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/pytorch_diffusion_vq"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
SEED = 20230829
# the smallest gap between a latent's nearest and second-nearest code distance: float32 rounding must not flip indices
MIN_MARGIN = 1e-2

BLOCK = {"img_channels": 3, "enc_init_channels": 4, "ch_mult": [1, 2, 4], "grnorm_groups": 2, "resnet_stacks": 1,
         "latent_dim": 3, "num_vq_embeddings": 16, "vq_embed_dim": 5, "commitment_cost": 0.3, "down_mode": "avg",
         "down_kern": 2, "down_attn": [1], "up_mode": "bilinear", "up_scale": 2, "up_attn": [0], "eps": 1e-6,
         "scaling_factor": 0.18215, "attn_heads": 2, "attn_dim": 4, "legacy_mid": False, "dec_tanh_out": True}


def build_vq(VQModel, cfg):
    """``VQModel`` from a model block ``cfg`` with the reads and defaults of ``src/train/util.py: set_VQModel`` (not
    imported: its module pulls in the LPIPS/discriminator/EMA code)."""
    return VQModel(img_ch=cfg.get("img_channels", 3), enc_init_ch=cfg.get("enc_init_channels", 64),
                   ch_mult=cfg.get("ch_mult", (1, 2, 4, 4)), grnorm_groups=cfg.get("grnorm_groups", 4),
                   resnet_stacks=cfg.get("resnet_stacks", 2), latent_dim=cfg.get("latent_dim", 4),
                   num_vq_embeddings=cfg.get("num_vq_embeddings", 256), vq_embed_dim=cfg.get("vq_embed_dim", None),
                   commitment_cost=cfg.get("commitment_cost", 0.25), down_mode=cfg.get("down_mode", "max"),
                   down_kern=cfg.get("down_kern", 2), down_attn=cfg.get("down_attn", []),
                   up_mode=cfg.get("up_mode", "nearest"), up_scale=cfg.get("up_scale", 2),
                   up_attn=cfg.get("up_attn", []), eps=cfg.get("eps", 1e-6),
                   scaling_factor=cfg.get("scaling_factor", 0.18215), attn_heads=cfg.get("attn_heads", None),
                   attn_dim=cfg.get("attn_dim", None), legacy_mid=cfg.get("legacy_mid", False),
                   dec_tanh_out=cfg.get("dec_tanh_out", False))


def nearest_margin(latents, codebook):
    """The smallest gap between the nearest and second-nearest squared code distance over all latent vectors."""
    z = latents.permute(0, 2, 3, 1).reshape(-1, codebook.shape[1]).double()
    d = torch.cdist(z, codebook.double()).square()
    two = d.topk(2, dim=1, largest=False).values
    return (two[:, 1] - two[:, 0]).min().item()


def straight_through_grads(model, latents):
    """Gradients of ``mean(decode_path(z_q)^2) + loss`` (``loss, z_q = model._vq(z)``, then ``post_quantizer`` and
    ``_decoder`` as ``_decode`` runs them) with respect to the latents (straight through the quantizer) and the
    codebook (the legacy-placed codebook term only)."""
    with torch.enable_grad():
        z = latents.detach().clone().requires_grad_(True)
        model.zero_grad()
        loss, z_q, *_ = model._vq(z)
        objective = model._decoder(model.post_quantizer(z_q)).square().mean() + loss
        objective.backward()
        return z.grad.detach().clone(), model._vq._embedding.weight.grad.detach().clone()


def readme(io, params):
    lines = ["# pytorch_diffusion_vq", "",
             f"Generated by `tools/reference/gen_pytorch_diffusion_vq.py` from stanipov/pytorch-diffusion `{COMMIT}`",
             "(`src/models/vq_vae.py` `VQModel`, imported unmodified). Model: `upstream_config.json`'s `model` block;",
             f"{params} parameters; seeded random weights (conv ~ N(0, 1/fan_in), norms 1 + 0.1 N, biases 0.1 N),",
             "codebook ~ N(0, std(latents)). Nearest-code distance margin >= "
             f"{MIN_MARGIN} for every latent vector.", "",
             "- `vq.pt`: `torch.save(model.state_dict())`, upstream key names (`_encoder.*`, `_decoder.*`,",
             "  `pre_quantizer.*`, `post_quantizer.*`, `_vq._embedding.weight`).",
             "- `upstream_config.json`: the training config whose `model` block builds it (`set_VQModel`'s keys).",
             "- `counts.json`: upstream parameter count.",
             "- `io.safetensors`:"]
    what = {"input": "images", "latents": "`model.encode(input)` (pre-quantizer output, not quantized)",
            "quantized": "`model._vq(latents)[1]` (straight-through value = the codes)",
            "indices": "`model._vq(latents)[4]`, flat over (n, h, w)", "loss": "`model._vq(latents)[0]`: "
            "mean((z_q.detach() - z)^2) + commitment_cost * mean((z_q - z.detach())^2) (taming's legacy placement)",
            "decoded": "`model(input)[0]`", "decoded_from_latents": "`model.decode(latents)`",
            "latents_grad": "d/d latents of mean(_decoder(post_quantizer(z_q))^2) + loss, (loss, z_q) = "
            "`model._vq(latents)` (straight-through)", "codebook_grad": "the same objective's gradient of "
            "`_vq._embedding.weight`", "latents_tanh": "`model.encode(input, tanh=True)` (the model block's "
            "`encode_tanh_out`, as train_VQ_DiscLPIPS.py passes it)", "decoded_tanh": "`model(input, True)[0]`"}
    for key, value in io.items():
        lines.append(f"  - `{key}` {tuple(value.shape)} {str(value.dtype).replace('torch.', '')}: {what[key]}")
    return "\n".join(lines) + "\n"


@torch.no_grad()
def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models"])
    sys.path.insert(0, str(root))
    from src.models.vq_vae import VQModel
    gen = torch.Generator().manual_seed(SEED)
    model = build_vq(VQModel, BLOCK).eval()
    randomize_(model, gen)
    x = torch.randn(2, 3, 16, 16, generator=gen)
    latents = model.encode(x)
    codebook = model._vq._embedding.weight
    codebook.copy_(torch.randn(codebook.shape, generator=gen) * latents.std())
    margin = nearest_margin(latents, codebook)
    assert margin >= MIN_MARGIN, f"nearest-code margin {margin} < {MIN_MARGIN}: pick another seed"
    loss, quantized, perplexity, encodings, indices = model._vq(latents)
    assert perplexity is None and encodings is None
    decoded, forward_loss, _, _, forward_indices = model(x)
    assert torch.equal(forward_loss, loss) and torch.equal(forward_indices, indices)
    decoded_from_latents = model.decode(latents)
    # train_VQ_DiscLPIPS.py passes its model block's encode_tanh_out to forward(x, tanh)
    latents_tanh = model.encode(x, True)
    margin_tanh = nearest_margin(latents_tanh, codebook)
    assert margin_tanh >= MIN_MARGIN, f"tanh nearest-code margin {margin_tanh} < {MIN_MARGIN}"
    decoded_tanh = model(x, True)[0]
    assert torch.equal(decoded, decoded_from_latents)
    assert len(indices.unique()) > 4, "the codebook must be more than barely used"
    latents_grad, codebook_grad = straight_through_grads(model, latents)
    with torch.device("meta"):
        rebuilt = build_vq(VQModel, BLOCK)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}
    OUT.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), OUT / "vq.pt")
    (OUT / "upstream_config.json").write_text(json.dumps({"model": BLOCK, "dataset": {"image_size": 16}},
                                                         indent=2) + "\n")
    params = sum(p.numel() for p in model.parameters())
    (OUT / "counts.json").write_text(json.dumps({"total": params}, indent=2) + "\n")
    io = {"input": x, "latents": latents, "quantized": quantized, "indices": indices, "loss": loss,
          "decoded": decoded, "decoded_from_latents": decoded_from_latents, "latents_grad": latents_grad,
          "codebook_grad": codebook_grad, "latents_tanh": latents_tanh, "decoded_tanh": decoded_tanh}
    save_file({k: v.detach().clone().contiguous() for k, v in io.items()}, OUT / "io.safetensors")
    (OUT / "README.md").write_text(readme(io, params))
    print(f"pytorch_diffusion_vq: {params} parameters, {len(indices.unique())} codes used, margins {margin:.4f}, "
          f"{margin_tanh:.4f} (tanh)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Parity fixtures for vae-core's ``VQModel`` from diffusers' own ``VQModel`` (diffusers 0.42.1), and its LDM/CompVis
single-file layout from latent-diffusion's own first-stage modules.

The LDM layout is built from CompVis/latent-diffusion's ``ldm/modules/diffusionmodules/model.py`` (``Encoder``,
``Decoder``) at the pinned commit a506df5756472e2ebaf9078affdde2c4f1502cd4, extracted unmodified by ``upstream.py``
from a git clone or mirror given as ``--upstream DIR`` (or $LATENT_DIFFUSION_REPO), plus taming's ``VectorQuantizer2``
(vendored, ``vendor/taming-transformers/``), assembled as LDM's ``ldm.models.autoencoder.VQModel`` registers them
(``encoder``, ``decoder``, ``quantize``, ``quant_conv``, ``post_quant_conv``; its ``loss`` is training-only). The
diffusers weights are copied into it under LDM names (``diffusers_to_ldm``), and the script asserts that LDM's own
forward then equals diffusers' forward, so the renaming is checked by the reference code.

Writes into ``vae-core/src/test/resources/fixtures/vq_model/``:

  <case>/config.json, <case>/diffusion_pytorch_model.safetensors
      diffusers' ``save_pretrained`` of a seeded tiny ``VQModel`` (the codebook redrawn as perturbed latents of the
      batch, so that it uses many codes); case ``ldm_layout`` has only the config (its weights are ``ldm.safetensors``)
  <case>/io.safetensors
      ``input`` (2, 3, 16, 16); ``latents`` (``encode(x).latents``, before quantization); ``quantized``,
      ``commit_loss`` (scalar) and ``indices`` (flat, row-major) of ``quantize(latents)``; ``decoded``
      (``decode(latents).sample``); ``decode_commit_loss`` (``decode(latents).commit_loss``); ``forward``
      (``model(x).sample``); with ``lookup_from_codebook``, ``decoded_indices``
      (``decode(indices, force_not_quantize=True, shape=...)``)
  <case>/ldm.safetensors (case ``ldm_layout`` only)
      the same weights under LDM/CompVis VQModel names, as LDM's own modules' state dict
  counts.json
      parameter counts of each case (case ``spatial``: ``norm_type="spatial"``, MoVQ's SpatialNorm decoder) and of diffusers' VQModel built with LDM's vq-f4 and vq-f8 first-stage configs
      (``models/first_stage_models/vq-f4/config.yaml``: ch 128, ch_mult 1,2,4, 2 res blocks, z 3, 8192 codes of
      dimension 3, no level attention; ``vq-f8``: ch_mult 1,2,2,4, z 4, 16384 codes of dimension 4, attention at
      resolution 32 of 256, i.e. the narrowest level)

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files.
"""

import importlib.util
import json
import re
import sys
from pathlib import Path

import torch
from diffusers import VQModel
from safetensors.torch import load_file, save_file

from upstream import snapshot, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR = Path(__file__).resolve().parent / "vendor" / "taming-transformers"
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/vq_model"
COMMIT = "a506df5756472e2ebaf9078affdde2c4f1502cd4"
SEED = 2112

CASES = {
    # LDM layout (its GroupNorm has 32 groups, so 32 channels): two levels, the second with self-attention after
    # each resnet (LDM attn_resolutions [8], diffusers AttnDownEncoderBlock2D / AttnUpDecoderBlock2D, as in vq-f8),
    # code dimension 4 != latent 3, codebook lookup; weights only as ldm.safetensors
    "ldm_layout": dict(block_out_channels=[32, 32], layers_per_block=1, latent_channels=3, vq_embed_dim=4,
                       num_vq_embeddings=32, norm_num_groups=32, sample_size=16, scaling_factor=0.5,
                       lookup_from_codebook=True, down_block_types=["DownEncoderBlock2D", "AttnDownEncoderBlock2D"],
                       up_block_types=["AttnUpDecoderBlock2D", "UpDecoderBlock2D"]),
    # three levels, vq_embed_dim unset (= latent channels), no mid-block attention
    "no_mid_attention": dict(block_out_channels=[8, 8, 16], layers_per_block=2, latent_channels=4,
                             num_vq_embeddings=64, norm_num_groups=4, sample_size=16,
                             mid_block_add_attention=False),
    # MoVQ's decoder (norm_type "spatial"): every decoder norm a SpatialNorm (GroupNorm of 32 groups whatever
    # norm_num_groups says, so 32 channels) conditioned on the quantized latent, nearest-resized to each level (two
    # levels: 8 and 16 px); level and mid-block attention with spatial_norm; the encoder keeps its GroupNorms (4 groups);
    # vq_embed_dim unset (diffusers sizes the SpatialNorms for latent_channels but feeds them the codes); lookup
    "spatial": dict(block_out_channels=[32, 32], layers_per_block=1, latent_channels=4, num_vq_embeddings=32,
                    norm_num_groups=4, sample_size=16, norm_type="spatial", lookup_from_codebook=True,
                    down_block_types=["DownEncoderBlock2D", "AttnDownEncoderBlock2D"],
                    up_block_types=["AttnUpDecoderBlock2D", "UpDecoderBlock2D"]),
}
PRESETS = {
    "vq-f4": dict(block_out_channels=[128, 256, 512], layers_per_block=2, latent_channels=3, vq_embed_dim=3,
                  num_vq_embeddings=8192, norm_num_groups=32, sample_size=256),
    # attn_resolutions [32] at resolution 256: the fourth (narrowest) level
    "vq-f8": dict(block_out_channels=[128, 256, 256, 512], layers_per_block=2, latent_channels=4, vq_embed_dim=4,
                  num_vq_embeddings=16384, norm_num_groups=32, sample_size=256,
                  down_block_types=["DownEncoderBlock2D"] * 3 + ["AttnDownEncoderBlock2D"],
                  up_block_types=["AttnUpDecoderBlock2D"] + ["UpDecoderBlock2D"] * 3),
}


def build(kw):
    levels = len(kw["block_out_channels"])
    kw = dict(kw)
    kw.setdefault("down_block_types", ["DownEncoderBlock2D"] * levels)
    kw.setdefault("up_block_types", ["UpDecoderBlock2D"] * levels)
    return VQModel(**kw)


def diffusers_to_ldm(key, levels):
    """The LDM/CompVis name of a diffusers VQModel key (the inverse of diffusers' LDM conversion)."""
    up = re.match(r"decoder\.up_blocks\.(\d+)\.(resnets\.(\d+)|attentions\.(\d+)|upsamplers\.0)\.(.*)", key)
    if up:
        part = (f"block.{up.group(3)}." if up.group(3) is not None
                else f"attn.{up.group(4)}." if up.group(4) is not None else "upsample.")
        key = f"decoder.up.{levels - 1 - int(up.group(1))}.{part}{up.group(5)}"
    rules = [(r"^(encoder|decoder)\.conv_norm_out\.", r"\1.norm_out."),
             (r"^encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.", r"encoder.down.\1.block.\2."),
             (r"^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.", r"encoder.down.\1.downsample."),
             (r"\.mid_block\.resnets\.0\.", ".mid.block_1."), (r"\.mid_block\.resnets\.1\.", ".mid.block_2."),
             (r"\.mid_block\.attentions\.0\.group_norm\.", ".mid.attn_1.norm."),
             (r"\.mid_block\.attentions\.0\.to_(q|k|v)\.", r".mid.attn_1.\1."),
             (r"\.mid_block\.attentions\.0\.to_out\.0\.", ".mid.attn_1.proj_out."),
             (r"\.conv_shortcut\.", ".nin_shortcut."),
             (r"^encoder\.down_blocks\.(\d+)\.attentions\.(\d+)\.", r"encoder.down.\1.attn.\2."),
             (r"\.attn\.(\d+)\.group_norm\.", r".attn.\1.norm."),
             (r"\.attn\.(\d+)\.to_(q|k|v)\.", r".attn.\1.\2."),
             (r"\.attn\.(\d+)\.to_out\.0\.", r".attn.\1.proj_out.")]
    for pattern, replacement in rules:
        key = re.sub(pattern, replacement, key)
    return key


def ldm_first_stage(root, kw):
    """LDM's VQModel modules (encoder, decoder, quantize, quant_conv, post_quant_conv) for the diffusers config kw."""
    sys.path.insert(0, str(root))
    from ldm.modules.diffusionmodules.model import Decoder, Encoder
    spec = importlib.util.spec_from_file_location("taming_quantize", VENDOR / "taming/modules/vqvae/quantize.py")
    quantize = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quantize)
    channels = kw["block_out_channels"]
    ddconfig = dict(double_z=False, z_channels=kw["latent_channels"], resolution=kw["sample_size"], in_channels=3,
                    out_ch=3, ch=channels[0], ch_mult=[c // channels[0] for c in channels],
                    num_res_blocks=kw["layers_per_block"], dropout=0.0,
                    attn_resolutions=[kw["sample_size"] // 2 ** i for i, t in enumerate(kw["down_block_types"])
                                      if t.startswith("Attn")])
    assert all(c % channels[0] == 0 for c in channels) and kw["norm_num_groups"] == 32  # LDM's GroupNorm(32, C)
    dim = kw.get("vq_embed_dim") or kw["latent_channels"]

    class LdmVQModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder(**ddconfig)
            self.decoder = Decoder(**ddconfig)
            self.quantize = quantize.VectorQuantizer2(kw["num_vq_embeddings"], dim, beta=0.25)
            self.quant_conv = torch.nn.Conv2d(kw["latent_channels"], dim, 1)
            self.post_quant_conv = torch.nn.Conv2d(dim, kw["latent_channels"], 1)

        def forward(self, x):
            quant, _, _ = self.quantize(self.quant_conv(self.encoder(x)))
            return self.decoder(self.post_quant_conv(quant))

    return LdmVQModel()


def write_ldm(root, kw, model, x, expected_forward, folder):
    """LDM-named weights, checked by running LDM's own modules on them."""
    ldm = ldm_first_stage(root, kw)
    levels = len(kw["block_out_channels"])
    state = {}
    for key, value in model.state_dict().items():
        name = diffusers_to_ldm(key, levels)
        target = ldm.state_dict()[name]
        state[name] = value.detach().reshape(target.shape).contiguous()
    assert set(state) == set(ldm.state_dict()), set(state) ^ set(ldm.state_dict())
    ldm.load_state_dict(state, strict=True)
    ldm.eval()
    with torch.no_grad():
        diff = (ldm(x) - expected_forward).abs().max().item()
    assert diff < 1e-5, f"LDM forward differs from diffusers by {diff}"
    save_file(state, str(folder / "ldm.safetensors"), metadata={"format": "pt"})


def case(name, kw, gen, root, counts):
    torch.manual_seed(SEED)
    model = build(kw).eval()
    x = torch.rand(2, 3, 16, 16, generator=gen) * 2 - 1
    with torch.no_grad():
        latents = model.encode(x).latents
        flat = latents.permute(0, 2, 3, 1).reshape(-1, latents.shape[1])
        rows = torch.randint(0, flat.shape[0], (model.config.num_vq_embeddings,), generator=gen)
        noise = torch.randn(model.quantize.embedding.weight.shape, generator=gen) * 0.3 * latents.std()
        model.quantize.embedding.weight.copy_(flat[rows] + noise)
        quantized, commit_loss, (_, _, indices) = model.quantize(latents)
        decoded = model.decode(latents)
        forward = model(x).sample
    tensors = {"input": x, "latents": latents, "quantized": quantized, "commit_loss": commit_loss,
               "indices": indices, "decoded": decoded.sample, "decode_commit_loss": decoded.commit_loss,
               "forward": forward}
    if kw.get("lookup_from_codebook"):
        shape = (latents.shape[0], latents.shape[2], latents.shape[3], latents.shape[1])
        with torch.no_grad():
            tensors["decoded_indices"] = model.decode(indices, force_not_quantize=True, shape=shape).sample
    assert len(torch.unique(indices)) >= 8, f"{name}: the batch uses too few codes"
    folder = OUT / name
    if name == "ldm_layout":
        model.save_config(folder)
        write_ldm(root, kw, model, x, forward, folder)
    else:
        model.save_pretrained(folder, safe_serialization=True)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / "io.safetensors"),
              metadata={"format": "pt"})
    counts[name] = sum(p.numel() for p in model.parameters())
    return {k: list(v.shape) for k, v in tensors.items()}


def main():
    root = snapshot(upstream_arg("LATENT_DIFFUSION_REPO", "CompVis/latent-diffusion"), COMMIT,
                    ["ldm/util.py", "ldm/modules/attention.py", "ldm/modules/diffusionmodules/model.py",
                     "ldm/modules/diffusionmodules/util.py"])
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    counts, described = {}, {}
    for name, kw in CASES.items():
        described[name] = case(name, kw, gen, root, counts)
    for preset, kw in PRESETS.items():
        counts[preset] = sum(p.numel() for p in build(kw).parameters())
    (OUT / "counts.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    for name in ("no_mid_attention", "spatial"):  # what was written reloads in diffusers
        reloaded = VQModel.from_pretrained(OUT / name)
        assert sum(p.numel() for p in reloaded.parameters()) == counts[name]
    spatial_keys = load_file(str(OUT / "spatial" / "diffusion_pytorch_model.safetensors")).keys()
    assert "decoder.conv_norm_out.conv_y.weight" in spatial_keys
    assert "decoder.mid_block.attentions.0.spatial_norm.norm_layer.weight" in spatial_keys
    for name in CASES:
        assert load_file(str(OUT / name / "io.safetensors"))["forward"].shape == (2, 3, 16, 16)
    lines = ["# vq_model", "", "Generated by `tools/reference/gen_vq_model.py` (do not edit) with diffusers 0.42.1's "
             "`VQModel`; `ldm.safetensors` under LDM/CompVis names, checked against latent-diffusion's own modules "
             f"(`{COMMIT[:7]}`). See the script's docstring.", "", "Parameter counts (`counts.json`): "
             + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) + ".", ""]
    for name, kw in CASES.items():
        lines.append(f"## {name}")
        lines.append("")
        lines.append("config: `" + json.dumps(kw, sort_keys=True) + "`")
        lines.append("")
        lines.append("- `io.safetensors`: " + ", ".join(f"`{k}` {v}" for k, v in described[name].items()))
        lines.append("")
    (OUT / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()

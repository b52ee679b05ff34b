#!/usr/bin/env python3
"""Parity fixtures for vae4j's LiteVAE (SMC, encoder in both block flavours, SMC decoder).

The open-LiteVAE flavour is built from open-LiteVAE's own code, vendored unmodified in
``vendor/open-litevae/`` (RGenDiff/open-litevae 2d93a82, AGPL-3.0) together with the DWT library it imports
(``vendor/torch-dwt/``, KeKsBoTer/torch-dwt 68a5b5f, MIT): ``LiteVAE_Encoder`` (torch-dwt ``dwt2``, per-level
``UNet`` feature extractors, ``AvgPool2d``, ``UNet`` aggregator), ``LiteVAE_Decoder`` / ``SMC`` /
``ResnetBlock`` and ``DiagonalGaussianDistribution``. The model's state-dict keys are open-LiteVAE's own
(``encoder.extractors.0.down_blocks.0.1.conv1.weight``, ``decoder.up.3.block.0.conv1.scales`` ...; a Lightning
``LiteAutoencoderKL`` checkpoint has the same ``encoder.*`` / ``decoder.*`` keys), and vae4j loads them unrenamed.

The paper flavour has no published code: its encoder UNet (``PaperResBlock``, ``PaperUNet``) and the pywt-order,
1/2^l-scaled Haar levels are transcribed from the paper's App. G pseudocode (``shared/reference/litevae.md``);
its decoder is open-LiteVAE's ``LiteVAE_Decoder`` with the paper's pre-activation ``ResBlockWithSMC`` order
(``PaperSmcResnetBlock``, a subclass of the upstream block that only reorders its forward).

Writes into ``vae-dwt/src/test/resources/fixtures/litevae/``:

  smc.safetensors          one upstream SMC layer (6 -> 5, 3x3) with random scales/gain: its parameters, x, y
  <case>/config.json       vae4j LiteVae config (``_class_name`` ``LiteVAE``)
  <case>/model.safetensors weights under open-LiteVAE's names (encoder.*, decoder.*), float32
  <case>/io.safetensors    x, moments (encoder output), z (= posterior mean), decoded (decoder(z))
  open_tiny/lightning_keys.json  key -> shape of the Lightning ``LiteAutoencoderKL`` state dict holding open_tiny's
                           modules with EMA (``write_lightning_keys``), for vae4j's layout detection and mapping
  parameter_counts.json    encoder parameter count of every LiteVaeConfig preset and of the SMC decoder
  README.md                what is where

Cases: ``open_tiny`` (upstream open-LiteVAE modules) and ``paper_tiny`` (the App. G transcription).
CPU, float32, one thread, deterministic algorithms, fixed seeds: byte-identical on rerun.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pywt
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "vendor" / "open-litevae"), str(HERE / "vendor" / "torch-dwt")]
from olvae.modules.distributions import DiagonalGaussianDistribution  # noqa: E402
from olvae.modules.litevae.decoder_model import SMC, LiteVAE_Decoder, ResnetBlock  # noqa: E402
from olvae.modules.litevae.encoder_model import LiteVAE_Encoder  # noqa: E402
from olvae.modules.ema import LitEma  # noqa: E402

REPO_ROOT = HERE.parents[1]
OUT_ROOT = REPO_ROOT / "vae-dwt/src/test/resources/fixtures/litevae"
SEED = 20240612
LIGHTNING_CASE = "open_tiny"
UPSTREAM = "RGenDiff/open-litevae 2d93a82be3b398ad05f659a59a2fd2986b4f2e76"
# LiteVaeConfig presets: (C, mult, blocks) of the extractors and of the aggregator; n_z 12, decoder 128 [1,2,4,4] 2
OPEN_PRESETS = {"open-s": ((16, [1, 2, 2], 3), (16, [1, 2, 2], 3)), "open-b": ((32, [1, 2, 3], 4), (32, [1, 2, 3], 4)),
                "open-m": ((64, [1, 2, 4], 5), (32, [1, 2, 3], 4)), "open-l": ((64, [1, 2, 4], 5), (64, [1, 2, 4], 4))}
PAPER_PRESETS = {"paper-s": ((16, [1, 2, 2], 2), (16, [1, 2, 2], 2)),
                 "paper-b": ((32, [1, 2, 3], 2), (32, [1, 2, 3], 2)),
                 "paper-m": ((64, [1, 2, 4], 2), (32, [1, 2, 3], 2)),
                 "paper-l": ((64, [1, 2, 4], 2), (64, [1, 2, 4], 2))}


# ----------------------------------------------------------------------------------------------- Haar DWT
def haar_level(x, order):
    """One orthonormal Haar level: (N, C, H, W) -> (N, 4C, H/2, W/2), sub-band major."""
    a = x[:, :, 0::2, 0::2]
    b = x[:, :, 0::2, 1::2]
    c = x[:, :, 1::2, 0::2]
    d = x[:, :, 1::2, 1::2]
    ll = (a + b + c + d) / 2
    h = (a + b - c - d) / 2  # pywt cH: hi along rows (H), lo along cols (W)
    v = (a - b + c - d) / 2  # pywt cV
    dd = (a - b - c + d) / 2
    bands = [ll, h, v, dd] if order == "pywt" else [ll, v, h, dd]
    return torch.cat(bands, dim=1), ll


def dwt_levels(x, levels, order, scaling):
    out = []
    ll = x
    for level in range(1, levels + 1):
        stack, ll = haar_level(ll, order)
        out.append(stack / (2 ** level) if scaling else stack)
    return out


def check_haar():
    x = torch.rand(1, 2, 8, 8, dtype=torch.float64) * 2 - 1
    stack, _ = haar_level(x, "pywt")
    ll, (h, v, d) = pywt.dwt2(x.numpy(), "haar", mode="periodization", axes=(-2, -1))
    ref = np.concatenate([ll, h, v, d], axis=1)
    assert np.abs(stack.numpy() - ref).max() < 1e-12



# ----------------------------------------------------------------------------------------------- paper UNet (App. G)
class PaperResBlock(nn.Module):
    """[P] ADM-style pre-norm block: h = conv2(silu(gn2(conv1(silu(gn1(x)))))); skip 1x1 when in != out."""

    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(math.gcd(groups, cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(math.gcd(groups, cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class PaperUNet(nn.Module):
    """[P] LiteVAEUNetBlock: in_layer, n blocks per mult (skips), 2 mid blocks, n blocks per mult on cat(skip)."""

    def __init__(self, cin, ch, cout, n, mult, groups):
        super().__init__()
        self.in_layer = nn.Conv2d(cin, ch, 3, padding=1)
        self.encoder_blocks = nn.ModuleList()
        c = ch
        widths = []
        for m in mult:
            for _ in range(n):
                self.encoder_blocks.append(PaperResBlock(c, ch * m, groups))
                c = ch * m
                widths.append(c)
        self.mid_blocks = nn.ModuleList([PaperResBlock(c, c, groups), PaperResBlock(c, c, groups)])
        self.decoder_blocks = nn.ModuleList()
        for m in reversed(mult):
            for _ in range(n):
                self.decoder_blocks.append(PaperResBlock(c + widths.pop(), ch * m, groups))
                c = ch * m
        self.out_layer = nn.Conv2d(c, cout, 3, padding=1)

    def forward(self, x):
        h = self.in_layer(x)
        skips = []
        for block in self.encoder_blocks:
            h = block(h)
            skips.append(h)
        for block in self.mid_blocks:
            h = block(h)
        for block in self.decoder_blocks:
            h = block(torch.cat((h, skips.pop()), dim=1))
        return self.out_layer(h)



# ----------------------------------------------------------------------------------------------- upstream builders
def open_encoder(cfg):
    """open-LiteVAE's encoder; its aggregator emits 2 n_z moments (``LiteAutoencoderKL`` with use_quant False)."""
    return LiteVAE_Encoder(in_channels=cfg["in_channels"], dct_levels=cfg["wavelet_levels"],
                           latent_dim=2 * cfg["latent_channels"], image_size=256,
                           extractor_channels=cfg["extractor_channels"], extractor_mult=cfg["extractor_mult"],
                           extractor_resblocks=cfg["extractor_blocks"],
                           aggregate_channels=cfg["aggregator_channels"], aggregate_mult=cfg["aggregator_mult"],
                           aggregate_resblocks=cfg["aggregator_blocks"])


class PaperSmcResnetBlock(ResnetBlock):
    """[P] App. G ``ResBlockWithSMC``: pre-activation (SiLU -> SMC -> SiLU -> SMC) + shortcut; same parameters."""

    def forward(self, x):
        h = self.conv2(self.dropout(F.silu(self.conv1(F.silu(x)))))
        if self.in_channels != self.out_channels:
            x = self.conv_shortcut(x) if self.use_conv_shortcut else self.nin_shortcut(x)
        return x + h


def smc_decoder(cfg):
    decoder = LiteVAE_Decoder(channels=cfg["decoder_channels"], z_channels=cfg["latent_channels"],
                              out_channels=cfg["out_channels"], channel_mult=cfg["decoder_mult"],
                              num_res_blocks=cfg["decoder_res_blocks"])
    if cfg["decoder_pre_activation"]:
        for module in decoder.modules():
            if type(module) is ResnetBlock:
                module.__class__ = PaperSmcResnetBlock
    return decoder


class PaperEncoder(nn.Module):
    """[P] LiteVAEEncoder: dwt(image, level=l) / 2^l for l = 1..L, one PaperUNet per level, avg-pool, aggregator."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        sub = 4 * cfg["in_channels"]
        levels = cfg["wavelet_levels"]
        self.extractors = nn.ModuleList([
            PaperUNet(sub, cfg["extractor_channels"], sub, cfg["extractor_blocks"], cfg["extractor_mult"],
                      cfg["norm_groups"]) for _ in range(levels)])
        self.aggregator = PaperUNet(sub * levels, cfg["aggregator_channels"], 2 * cfg["latent_channels"],
                                    cfg["aggregator_blocks"], cfg["aggregator_mult"], cfg["norm_groups"])

    def forward(self, x):
        cfg = self.cfg
        levels = cfg["wavelet_levels"]
        stacks = dwt_levels(x, levels, cfg["subband_order"], cfg["wavelet_level_scaling"])
        feats = [F.avg_pool2d(self.extractors[l](stacks[l]), 2 ** (levels - 1 - l)) for l in range(levels)]
        return self.aggregator(torch.cat(feats, dim=1))


class LiteVae(nn.Module):
    """encoder + decoder under the keys of open-LiteVAE's ``LiteAutoencoderKL`` (``encoder.*``, ``decoder.*``)."""

    def __init__(self, cfg):
        super().__init__()
        self.encoder = open_encoder(cfg) if cfg["flavour"] == "open-litevae" else PaperEncoder(cfg)
        self.decoder = smc_decoder(cfg)


def config(flavour, ext, agg, latent=12, groups=None, dec=(128, [1, 2, 4, 4], 2)):
    paper = flavour == "paper"
    return {
        "_class_name": "LiteVAE",
        "flavour": flavour,
        "in_channels": 3,
        "out_channels": 3,
        "latent_channels": latent,
        "wavelet_levels": 3,
        "subband_order": "pywt" if paper else "torch-dwt",
        "wavelet_level_scaling": paper,
        "extractor_channels": ext[0], "extractor_mult": ext[1], "extractor_blocks": ext[2],
        "aggregator_channels": agg[0], "aggregator_mult": agg[1], "aggregator_blocks": agg[2],
        # open-LiteVAE's ResidualBlock hard-codes GroupNorm(8); the paper's ADM blocks use 32 (gcd-reduced)
        "norm_groups": groups if groups is not None else (32 if paper else 8),
        "decoder_channels": dec[0], "decoder_mult": dec[1], "decoder_res_blocks": dec[2],
        "decoder_pre_activation": paper,
        "scaling_factor": 1.0,
        "shift_factor": 0.0,
    }


def count(m):
    return sum(p.numel() for p in m.parameters())


def preset_counts():
    counts = {}
    for name, (e, a) in OPEN_PRESETS.items():
        counts[name] = count(open_encoder(config("open-litevae", e, a)))
    for name, (e, a) in PAPER_PRESETS.items():
        counts[name] = count(PaperEncoder(config("paper", e, a)))
    counts["smc_decoder"] = count(smc_decoder(config("open-litevae", *OPEN_PRESETS["open-b"])))
    for name, n in counts.items():
        print(f"{name:12s} {n:,}")
    return counts


def randomize(model, gen):
    """Perturbs norm affines and SMC scales/gains (conv weights keep PyTorch's seeded default init)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("scales") or name.endswith("gain"):
                p.copy_(torch.rand(p.shape, generator=gen) * 1.5 + 0.25)
            elif ".norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.3 * torch.randn(p.shape, generator=gen))
            elif ".norm" in name and name.endswith("bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))


def write_smc(gen):
    smc = SMC(6, 5, 3)
    randomize(smc, gen)
    x = torch.randn(2, 6, 7, 9, generator=gen)
    with torch.no_grad():
        y = smc(x)
    tensors = {k: v.detach().contiguous() for k, v in smc.state_dict().items()}
    tensors.update(x=x, y=y)
    save_file(tensors, str(OUT_ROOT / "smc.safetensors"))


def write_lightning_keys(model, path):
    """The ``state_dict`` keys (and shapes) of open-LiteVAE's Lightning ``LiteAutoencoderKL`` holding ``model``'s
    encoder and decoder, with ``use_quant=False, use_ema=True``: its submodules registered in ``__init__``'s order
    (``encoder``, ``decoder``, ``loss``, ``quantizer`` with Identity quant convs, then the vendored ``LitEma`` of encoder,
    decoder and quantizer). ``olvae/models/liteautoencoder.py`` itself needs pytorch_lightning and is not vendored; its
    loss is instantiated from the training config (LPIPS and a discriminator, all under ``loss.``): a module holding
    LDM's ``logvar`` stands in for it. A Lightning checkpoint stores this dict under ``state_dict``."""
    lightning = nn.Module()
    lightning.encoder = model.encoder
    lightning.decoder = model.decoder
    lightning.loss = nn.Module()
    lightning.loss.logvar = nn.Parameter(torch.zeros(()))
    lightning.quantizer = nn.Module()
    lightning.quantizer.quant_conv = nn.Identity()
    lightning.quantizer.post_quant_conv = nn.Identity()
    lightning.encoder_ema = LitEma(lightning.encoder)
    lightning.decoder_ema = LitEma(lightning.decoder)
    lightning.quantizer_ema = LitEma(lightning.quantizer)
    lines = [f"{json.dumps(k)}: {json.dumps(list(v.shape))}" for k, v in lightning.state_dict().items()]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


def write_case(name, cfg, shape, gen):
    model = LiteVae(cfg).eval()
    randomize(model, gen)
    x = torch.rand(shape, generator=gen) * 2 - 1
    with torch.no_grad():
        moments = model.encoder(x)
        z = DiagonalGaussianDistribution(moments).mean.clone()
        decoded = model.decoder(z)
    folder = OUT_ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    save_file({"x": x, "moments": moments, "z": z, "decoded": decoded}, str(folder / "io.safetensors"))
    if name == LIGHTNING_CASE:
        write_lightning_keys(model, folder / "lightning_keys.json")
    line = (f"`{name}`: {count(model):,} parameters, x {list(x.shape)} -> moments {list(moments.shape)}"
            f" -> decoded {list(decoded.shape)}")
    print(line)
    return line


README = """# LiteVAE parity fixtures

Generated by `tools/reference/gen_litevae.py`.

- `open_tiny`: open-LiteVAE's own modules ({upstream}, vendored unmodified in `tools/reference/vendor/open-litevae/`,
  with torch-dwt 68a5b5f in `vendor/torch-dwt/`): `LiteVAE_Encoder` (latent_dim = 2 n_z, as `LiteAutoencoderKL`
  with `use_quant: False` builds it), `LiteVAE_Decoder`, `DiagonalGaussianDistribution(moments).mean`. Keys are
  open-LiteVAE's state-dict keys, loaded by vae4j without renaming.
- `paper_tiny`: the paper has no code; its encoder is transcribed from App. G (ADM pre-norm UNet, pywt order,
  1/2^l scaling) and its decoder is the upstream `LiteVAE_Decoder` with the pre-activation SMC block order.
- `open_tiny/lightning_keys.json`: every key (with its shape) of the `state_dict` of open-LiteVAE's Lightning
  `LiteAutoencoderKL` holding `open_tiny`'s encoder and decoder (`use_quant: False`, `use_ema: True`; a stand-in
  `loss.logvar` for the loss module of the training config), rebuilt from its `__init__` with the vendored `LitEma`.
- `smc.safetensors`: one upstream `SMC(6, 5, 3)` with random scales and gain: parameters, `x`, `y`.

Per case: `config.json` (vae4j's LiteVAE config), `model.safetensors` (weights: PyTorch default init from a seeded
global generator, GroupNorm affines and SMC scales/gains perturbed), `io.safetensors` (`x`, `moments` = encoder
output, `z` = posterior mean, `decoded` = decoder(z)).

{cases}

`parameter_counts.json`: the encoder parameter count of every `LiteVaeConfig` preset (n_z 12; `open-*` from the
upstream `LiteVAE_Encoder`, `paper-*` from the App. G transcription) and of the 128 / [1, 2, 4, 4] / 2 SMC decoder
(upstream `LiteVAE_Decoder`, z 12). `LiteVaeTest` asserts vae4j's counts equal these:

{counts}
"""


def main():
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    check_haar()
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    counts = preset_counts()
    (OUT_ROOT / "parameter_counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    write_smc(gen)
    cases = [
        write_case("open_tiny", config("open-litevae", (8, [1, 2], 2), (8, [1, 2], 1), latent=4,
                                       dec=(4, [1, 2, 2, 4], 1)), (2, 3, 32, 24), gen),
        write_case("paper_tiny", config("paper", (4, [1, 2], 1), (8, [1, 3], 1), latent=4, groups=32,
                                        dec=(4, [1, 2, 2, 4], 1)), (1, 3, 16, 32), gen),
    ]
    table = "\n".join(f"- `{k}`: {v:,}" for k, v in counts.items())
    (OUT_ROOT / "README.md").write_text(README.format(upstream=UPSTREAM, cases="\n".join("- " + c for c in cases),
                                                      counts=table))


if __name__ == "__main__":
    main()

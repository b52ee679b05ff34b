#!/usr/bin/env python3
"""Parity fixtures for vae4j's LiteVAE (SMC, encoder in both block flavours, SMC decoder).

There is no installable LiteVAE package, so this file holds a small PyTorch reference written from
``/work/shared/reference/litevae.md`` (open-LiteVAE [O] ``olvae/modules/litevae/*.py`` for the
open-LiteVAE flavour and the SMC decoder, the paper's App. G pseudocode [P] for the paper flavour).
Module names equal [O]'s state-dict keys (``encoder.extractors.0.down_blocks.0.1.conv1.weight``,
``decoder.up.3.block.0.conv1.scales`` ...). The Haar DWT here is computed with explicit 2x2 block formulas
and checked against PyWavelets.

Writes into ``vae-dwt/src/test/resources/fixtures/litevae/``:

  smc.safetensors          one SMC layer (6 -> 5, 3x3) with random scales/gain: its parameters, x, y
  <case>/config.json       vae4j LiteVae config (``_class_name`` ``LiteVAE``)
  <case>/model.safetensors weights under [O] names (encoder.*, decoder.*), float32
  <case>/io.safetensors    x, moments (encoder output), z (= posterior mean), decoded (decoder(z))

Cases: ``open_tiny`` (open-LiteVAE blocks, torch-dwt sub-band order, no per-level scaling, post-activation
SMC blocks) and ``paper_tiny`` (paper blocks, pywt order, 1/2^l scaling, pre-activation SMC blocks).
Also prints the parameter counts of the S/B/M/L presets and the 53.33 M decoder as a cross-check.
CPU, float32, one thread, deterministic algorithms, fixed seeds: byte-identical on rerun.
"""

import json
import math
from pathlib import Path

import numpy as np
import pywt
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_ROOT = REPO_ROOT / "vae-dwt/src/test/resources/fixtures/litevae"
SEED = 20240612


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


# ----------------------------------------------------------------------------------------------- SMC
class SMC(nn.Module):
    """Self-modulated 2-D convolution ([P] Eq. 3 via StyleGAN3 modulated_conv2d; [O] decoder_model.SMC)."""

    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2)
        self.gain = nn.Parameter(torch.ones(1))
        self.scales = nn.Parameter(torch.ones(cin))

    def forward(self, x):
        w = self.conv.weight
        w = w * w.pow(2).mean(dim=(1, 2, 3), keepdim=True).rsqrt()
        s = self.scales * self.scales.pow(2).mean().rsqrt()
        w = w * s.view(1, -1, 1, 1)
        w = w * (w.pow(2).sum(dim=(1, 2, 3), keepdim=True) + 1e-8).rsqrt()
        w = w * self.gain.view(1, 1, 1, 1)
        return F.conv2d(x, w, padding=self.conv.padding) + self.conv.bias.view(1, -1, 1, 1)


class SmcResnetBlock(nn.Module):
    def __init__(self, cin, cout, pre_activation):
        super().__init__()
        self.pre = pre_activation
        self.conv1 = SMC(cin, cout)
        self.conv2 = SMC(cout, cout)
        self.nin_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        if self.pre:  # [P] ResBlockWithSMC
            h = self.conv2(F.silu(self.conv1(F.silu(x))))
        else:  # [O] ResnetBlock
            h = F.silu(self.conv2(F.silu(self.conv1(x))))
        skip = x if self.nin_shortcut is None else self.nin_shortcut(x)
        return skip + h


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class SmcDecoder(nn.Module):
    """[O] LiteVAE_Decoder."""

    def __init__(self, ch, z, out, mult, res_blocks, pre_activation):
        super().__init__()
        n = len(mult)
        block_in = ch * mult[-1]
        self.conv_in = nn.Conv2d(z, block_in, 3, padding=1)
        self.mid = nn.ModuleList([SmcResnetBlock(block_in, block_in, pre_activation) for _ in range(res_blocks + 1)])
        self.up = nn.ModuleList()
        for i in reversed(range(n)):
            up = nn.Module()
            blocks = nn.ModuleList()
            for _ in range(res_blocks + 1):
                blocks.append(SmcResnetBlock(block_in, ch * mult[i], pre_activation))
                block_in = ch * mult[i]
            up.block = blocks
            if i != 0:
                up.upsample = Upsample(block_in)
            self.up.insert(0, up)
        self.conv_norm = SMC(block_in, block_in)
        self.conv_out = nn.Conv2d(block_in, out, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(z)
        for block in self.mid:
            h = block(h)
        for i in reversed(range(len(self.up))):
            for block in self.up[i].block:
                h = block(h)
            if i != 0:
                h = self.up[i].upsample(h)
        return self.conv_out(F.silu(self.conv_norm(h)))


# ----------------------------------------------------------------------------------------------- UNets
class OpenResidualBlock(nn.Module):
    """[O] unet_model.ResidualBlock: post-norm, GroupNorm(groups), 1x1 residual projection."""

    def __init__(self, cin, cout, groups):
        super().__init__()
        self.residual_conv = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, cout)
        self.norm2 = nn.GroupNorm(groups, cout)

    def forward(self, x):
        r = x if self.residual_conv is None else self.residual_conv(x)
        h = F.silu(self.norm1(self.conv1(x)))
        h = F.silu(self.norm2(self.conv2(h)))
        return h + r


class OpenUNet(nn.Module):
    """[O] unet_model.UNet (no spatial resampling; 1x1 channel transitions)."""

    def __init__(self, cin, ch, cout, n, mult, groups):
        super().__init__()
        dims = [m * ch for m in mult]
        self.init_conv = nn.Conv2d(cin, dims[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        d = dims[0]
        for nxt in dims[1:]:
            self.down_blocks.append(nn.ModuleList([*[OpenResidualBlock(d, d, groups) for _ in range(n)],
                                                   nn.Conv2d(d, nxt, 1)]))
            d = nxt
        self.mid_block = nn.ModuleList([OpenResidualBlock(d, d, groups) for _ in range(n)])
        self.up_blocks = nn.ModuleList()
        for hid in reversed(dims[:-1]):
            self.up_blocks.append(nn.ModuleList([nn.Conv2d(d, hid, 1),
                                                 *[OpenResidualBlock(2 * hid, hid, groups) for _ in range(n)]]))
            d = hid
        self.conv_out = nn.Conv2d(dims[0], cout, 1)

    def forward(self, x):
        x = self.init_conv(x)
        skips = []
        for level in self.down_blocks:
            for i, block in enumerate(level):
                x = block(x)
                if i != len(level) - 1:
                    skips.append(x)
        for block in self.mid_block:
            x = block(x)
        for level in self.up_blocks:
            for i, block in enumerate(level):
                x = block(x if i == 0 else torch.cat((x, skips.pop()), dim=1))
        return self.conv_out(x)


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


class LiteVaeEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        unet = OpenUNet if cfg["flavour"] == "open-litevae" else PaperUNet
        sub = 4 * cfg["in_channels"]
        levels = cfg["wavelet_levels"]
        self.extractors = nn.ModuleList([
            unet(sub, cfg["extractor_channels"], sub, cfg["extractor_blocks"], cfg["extractor_mult"],
                 cfg["norm_groups"]) for _ in range(levels)])
        self.aggregator = unet(sub * levels, cfg["aggregator_channels"], 2 * cfg["latent_channels"],
                               cfg["aggregator_blocks"], cfg["aggregator_mult"], cfg["norm_groups"])

    def forward(self, x):
        cfg = self.cfg
        levels = cfg["wavelet_levels"]
        stacks = dwt_levels(x, levels, cfg["subband_order"], cfg["wavelet_level_scaling"])
        feats = [F.avg_pool2d(self.extractors[l](stacks[l]), 2 ** (levels - 1 - l)) for l in range(levels)]
        return self.aggregator(torch.cat(feats, dim=1))


class LiteVae(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = LiteVaeEncoder(cfg)
        self.decoder = SmcDecoder(cfg["decoder_channels"], cfg["latent_channels"], cfg["out_channels"],
                                  cfg["decoder_mult"], cfg["decoder_res_blocks"], cfg["decoder_pre_activation"])


def config(flavour, ext, agg, latent=12, groups=None, dec=(128, [1, 2, 4, 4], 2), pre=None):
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
        "norm_groups": groups if groups is not None else (32 if paper else 8),
        "decoder_channels": dec[0], "decoder_mult": dec[1], "decoder_res_blocks": dec[2],
        "decoder_pre_activation": paper if pre is None else pre,
        "scaling_factor": 1.0,
        "shift_factor": 0.0,
    }


def count(m):
    return sum(p.numel() for p in m.parameters())


def print_preset_counts():
    open_presets = {"S": ((16, [1, 2, 2], 3), (16, [1, 2, 2], 3)), "B": ((32, [1, 2, 3], 4), (32, [1, 2, 3], 4)),
                    "M": ((64, [1, 2, 4], 5), (32, [1, 2, 3], 4)), "L": ((64, [1, 2, 4], 5), (64, [1, 2, 4], 4))}
    paper_presets = {"S": ((16, [1, 2, 2], 2), (16, [1, 2, 2], 2)), "B": ((32, [1, 2, 3], 2), (32, [1, 2, 3], 2)),
                     "M": ((64, [1, 2, 4], 2), (32, [1, 2, 3], 2)), "L": ((64, [1, 2, 4], 2), (64, [1, 2, 4], 2))}
    for name, (e, a) in open_presets.items():
        print(f"open-litevae {name}: encoder {count(LiteVaeEncoder(config('open-litevae', e, a))):,}")
    for name, (e, a) in paper_presets.items():
        print(f"paper        {name}: encoder {count(LiteVaeEncoder(config('paper', e, a))):,}")
    print(f"SMC decoder 128 [1,2,4,4] z12: {count(SmcDecoder(128, 12, 3, [1, 2, 4, 4], 2, False)):,}")


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


def write_case(name, cfg, shape, gen):
    model = LiteVae(cfg).eval()
    randomize(model, gen)
    x = torch.rand(shape, generator=gen) * 2 - 1
    with torch.no_grad():
        moments = model.encoder(x)
        z = moments[:, : cfg["latent_channels"]].clone()
        decoded = model.decoder(z)
    folder = OUT_ROOT / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})
    save_file({"x": x, "moments": moments, "z": z, "decoded": decoded}, str(folder / "io.safetensors"))
    print(f"{name}: {count(model):,} parameters, x {tuple(x.shape)} -> moments {tuple(moments.shape)}"
          f" -> decoded {tuple(decoded.shape)}")


def main():
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    check_haar()
    print_preset_counts()  # noqa: cross-check only
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    write_smc(gen)
    write_case("open_tiny", config("open-litevae", (4, [1, 2], 2), (8, [1, 2], 1), latent=4, groups=4,
                                   dec=(4, [1, 2, 2, 4], 1)), (2, 3, 32, 24), gen)
    write_case("paper_tiny", config("paper", (4, [1, 2], 1), (8, [1, 3], 1), latent=4, groups=32,
                                    dec=(4, [1, 2, 2, 4], 1)), (1, 3, 16, 32), gen)


if __name__ == "__main__":
    main()

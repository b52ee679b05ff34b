#!/usr/bin/env python3
"""Parity fixtures for vae4j's upstream architecture variants (issue 5).

The reference modules below follow upstream code line by line:

* cloneofsimo/vqgan-training v0.2 (521df37) ``ae.py``: ResnetBlock, multi-head AttnBlock, padded
  strided Downsample, nearest Upsample, Encoder (no logvar channels), Decoder, and the multiplicative
  "constant variance" ``z * (1 + 0.1 * randn)``. Two deliberate deviations, both constructor arguments whose
  defaults are the original's constants: ``groups`` (the original hard-codes GroupNorm(32)) and ``head_dim`` (the original
  hard-codes 64), so that a tiny config (16 mid channels, 2 heads of 8) keeps the fixture small.
* stanipov/pytorch-diffusion (705b007) ``src/models/{vae,encoder,decoder,conv_blocks,attention,
  helpers,distributions}.py``: WeightStandardizedConv2d, conv_block, ResnetBlock, LinearAttention, PreNorm,
  Residual, DownsamplePool, UpsampleInterp, Encoder2, Decoder2, VAE. ``einops.rearrange`` is written as the
  equivalent ``reshape`` (einops is not in the reference venv); ``legacy_mid``/``legacy_out`` are False as in
  ``VAE``.

For every case this writes into ``vae-core/src/test/resources/fixtures/variants/<case>/``:

  config.json                          vae4j AutoencoderKL config (diffusers keys + the variant keys)
  diffusion_pytorch_model.safetensors  the reference weights renamed to vae4j's keys (mappings: vqgan_training_key, pytorch_diffusion_prefixes)
  io.safetensors                       input, encoder output / posterior, noise, sample, decoded images

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files. Never touches the network.
"""

import json
import math
import re
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_ROOT = REPO_ROOT / "vae-core/src/test/resources/fixtures/variants"
BASE_SEED = 20250105


# ------------------------------------------------------------------ cloneofsimo/vqgan-training (ae.py, v0.2)

def swish(x):
    return x * torch.sigmoid(x)


class AttnBlock(nn.Module):
    def __init__(self, in_channels, head_dim=64, groups=32):
        super().__init__()
        self.in_channels = in_channels
        self.head_dim = head_dim
        self.num_heads = in_channels // self.head_dim
        self.norm = nn.GroupNorm(num_groups=groups, num_channels=in_channels, eps=1e-6, affine=True)
        self.qkv = nn.Conv2d(in_channels, in_channels * 3, kernel_size=1, bias=False)
        self.proj_out = nn.Conv2d(in_channels, in_channels, kernel_size=1, bias=False)
        nn.init.normal_(self.proj_out.weight, std=0.2 / math.sqrt(in_channels))

    def attention(self, h_):
        h_ = self.norm(h_)
        qkv = self.qkv(h_)
        q, k, v = qkv.chunk(3, dim=1)
        b, c, h, w = q.shape
        # rearrange "b (h d) x y -> b h (x y) d"
        q, k, v = (t.reshape(b, self.num_heads, self.head_dim, h * w).transpose(2, 3) for t in (q, k, v))
        h_ = F.scaled_dot_product_attention(q, k, v)
        # rearrange "b h (x y) d -> b (h d) x y"
        return h_.transpose(2, 3).reshape(b, c, h, w)

    def forward(self, x):
        return x + self.proj_out(self.attention(x))


class ResnetBlock(nn.Module):
    def __init__(self, in_channels, out_channels, groups=32):
        super().__init__()
        self.in_channels = in_channels
        out_channels = in_channels if out_channels is None else out_channels
        self.out_channels = out_channels
        self.norm1 = nn.GroupNorm(num_groups=groups, num_channels=in_channels, eps=1e-6, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.norm2 = nn.GroupNorm(num_groups=groups, num_channels=out_channels, eps=1e-6, affine=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1)
        if self.in_channels != self.out_channels:
            self.nin_shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0)

    def forward(self, x):
        h = swish(self.norm1(x))
        h = self.conv1(h)
        h = swish(self.norm2(h))
        h = self.conv2(h)
        if self.in_channels != self.out_channels:
            x = self.nin_shortcut(x)
        return x + h


class Downsample000(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1), mode="constant", value=0))


class Upsample000(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Encoder000(nn.Module):
    def __init__(self, in_channels, ch, ch_mult, num_res_blocks, z_channels, groups, head_dim):
        super().__init__()
        self.num_resolutions = len(ch_mult)
        self.num_res_blocks = num_res_blocks
        self.conv_in = nn.Conv2d(in_channels, ch, kernel_size=3, stride=1, padding=1)
        in_ch_mult = (1,) + tuple(ch_mult)
        self.down = nn.ModuleList()
        for i_level in range(self.num_resolutions):
            block = nn.ModuleList()
            block_in = ch * in_ch_mult[i_level]
            block_out = ch * ch_mult[i_level]
            for _ in range(num_res_blocks):
                block.append(ResnetBlock(block_in, block_out, groups))
                block_in = block_out
            down = nn.Module()
            down.block = block
            down.attn = nn.ModuleList()
            if i_level != self.num_resolutions - 1:
                down.downsample = Downsample000(block_in)
            self.down.append(down)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, groups)
        self.mid.attn_1 = AttnBlock(block_in, head_dim, groups)
        self.mid.block_2 = ResnetBlock(block_in, block_in, groups)
        self.norm_out = nn.GroupNorm(num_groups=groups, num_channels=block_in, eps=1e-6, affine=True)
        self.conv_out = nn.Conv2d(block_in, z_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for i_level in range(self.num_resolutions):
            for i_block in range(self.num_res_blocks):
                h = self.down[i_level].block[i_block](h)
            if i_level != self.num_resolutions - 1:
                h = self.down[i_level].downsample(h)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        return self.conv_out(swish(self.norm_out(h)))


class Decoder000(nn.Module):
    def __init__(self, ch, out_ch, ch_mult, num_res_blocks, z_channels, groups, head_dim):
        super().__init__()
        self.num_resolutions = len(ch_mult)
        self.num_res_blocks = num_res_blocks
        block_in = ch * ch_mult[self.num_resolutions - 1]
        self.conv_in = nn.Conv2d(z_channels, block_in, kernel_size=3, stride=1, padding=1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(block_in, block_in, groups)
        self.mid.attn_1 = AttnBlock(block_in, head_dim, groups)
        self.mid.block_2 = ResnetBlock(block_in, block_in, groups)
        self.up = nn.ModuleList()
        for i_level in reversed(range(self.num_resolutions)):
            block = nn.ModuleList()
            block_out = ch * ch_mult[i_level]
            for _ in range(num_res_blocks + 1):
                block.append(ResnetBlock(block_in, block_out, groups))
                block_in = block_out
            up = nn.Module()
            up.block = block
            up.attn = nn.ModuleList()
            if i_level != 0:
                up.upsample = Upsample000(block_in)
            self.up.insert(0, up)
        self.norm_out = nn.GroupNorm(num_groups=groups, num_channels=block_in, eps=1e-6, affine=True)
        self.conv_out = nn.Conv2d(block_in, out_ch, kernel_size=3, stride=1, padding=1)

    def forward(self, z):
        h = self.conv_in(z)
        h = self.mid.block_2(self.mid.attn_1(self.mid.block_1(h)))
        for i_level in reversed(range(self.num_resolutions)):
            for i_block in range(self.num_res_blocks + 1):
                h = self.up[i_level].block[i_block](h)
            if i_level != 0:
                h = self.up[i_level].upsample(h)
        return self.conv_out(swish(self.norm_out(h)))


class VAE000(nn.Module):
    def __init__(self, in_channels, ch, out_ch, ch_mult, num_res_blocks, z_channels, groups, head_dim):
        super().__init__()
        self.encoder = Encoder000(in_channels, ch, ch_mult, num_res_blocks, z_channels, groups, head_dim)
        self.decoder = Decoder000(ch, out_ch, ch_mult, num_res_blocks, z_channels, groups, head_dim)


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


# ------------------------------------------------------------------ stanipov/pytorch-diffusion

class WeightStandardizedConv2d(nn.Conv2d):
    def forward(self, x):
        eps = 1e-5 if x.dtype == torch.float32 else 1e-4
        weight = self.weight
        mean = torch.mean(weight, dim=[1, 2, 3], keepdim=True)
        var = torch.var(weight, unbiased=False, dim=[1, 2, 3], keepdim=True)
        normalized_weight = (weight - mean) * (var + eps).rsqrt()
        return F.conv2d(x, normalized_weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class conv_block(nn.Module):
    def __init__(self, dim, dim_out, groups=8):
        super().__init__()
        self.proj = WeightStandardizedConv2d(dim, dim_out, 3, padding=1)
        self.norm = nn.GroupNorm(groups, dim_out)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.norm(self.proj(x)))


class ResnetBlock003(nn.Module):
    def __init__(self, in_channels, out_channels, groups=8):
        super().__init__()
        self.block1 = conv_block(in_channels, out_channels, groups=groups)
        self.block2 = conv_block(out_channels, out_channels, groups=groups)
        self.res_conv = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x):
        return self.block2(self.block1(x)) + self.res_conv(x)


class LinearAttention(nn.Module):
    def __init__(self, dim, heads=4, dim_head=32):
        super().__init__()
        self.scale = dim_head ** -0.5
        self.heads = heads
        hidden_dim = dim_head * heads
        self.to_qkv = nn.Conv2d(dim, hidden_dim * 3, 1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(hidden_dim, dim, 1), nn.GroupNorm(1, dim))

    def forward(self, x):
        b, c, h, w = x.shape
        qkv = self.to_qkv(x).chunk(3, dim=1)
        # rearrange "b (h c) x y -> b h c (x y)"
        q, k, v = (t.reshape(b, self.heads, -1, h * w) for t in qkv)
        q = q.softmax(dim=-2)
        k = k.softmax(dim=-1)
        q = q * self.scale
        context = torch.einsum("b h d n, b h e n -> b h d e", k, v)
        out = torch.einsum("b h d e, b h d n -> b h e n", context, q)
        # rearrange "b h c (x y) -> b (h c) x y"
        out = out.reshape(b, -1, h, w)
        return self.to_out(out)


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.fn = fn
        self.norm = nn.GroupNorm(1, dim)

    def forward(self, x):
        return self.fn(self.norm(x))


class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def DownsamplePool(dim, dim_out=None, mode="avg", kern=2):
    if "avg" in mode or "mean" in mode:
        pooling = nn.AvgPool2d(kernel_size=kern)
    elif "max" in mode:
        pooling = nn.MaxPool2d(kernel_size=kern)
    else:
        raise ValueError(mode)
    dim_out = dim_out or dim
    return nn.Sequential(pooling, nn.Conv2d(dim, dim_out, kernel_size=3, padding=1),
                         nn.GroupNorm(max(1, dim_out // 4), dim_out))


def UpsampleInterp(dim, dim_out=None, interp="linear", scale=2, def_align_corners=False):
    dim_out = dim_out or dim
    align_corners = def_align_corners if interp in ["linear", "bilinear", "bicubic", "trilinear"] else None
    return nn.Sequential(nn.Upsample(scale_factor=scale, mode=interp, align_corners=align_corners),
                         nn.Conv2d(dim, dim_out, kernel_size=3, padding=1),
                         nn.GroupNorm(max(1, dim_out // 4), dim_out))


class Encoder2(nn.Module):
    def __init__(self, in_planes, init_planes, plains_mults, resnet_grnorm_groups, resnet_stacks, downsample_mode,
                 pool_kern, attention, attn_heads, attn_dim, latent_dim, eps):
        super().__init__()
        dims = [init_planes, *map(lambda m: init_planes * m, plains_mults)]
        in_out = list(zip(dims[:-1], dims[1:]))
        self.init_conv = nn.Conv2d(in_planes, init_planes, 3, padding=1)
        layers = []
        for ind, (dim_in, dim_out) in enumerate(in_out):
            is_last = ind == len(in_out) - 1
            for _ in range(resnet_stacks):
                layers.append(ResnetBlock003(dim_in, dim_in, groups=resnet_grnorm_groups))
            if dim_in in attention or ind in attention:
                layers.append(Residual(PreNorm(dim_in, LinearAttention(dim_in, attn_heads, attn_dim))))
            if is_last:
                layers.append(WeightStandardizedConv2d(dim_in, dim_out, kernel_size=3, padding=1, stride=1))
            else:
                layers.append(DownsamplePool(dim_in, dim_out, downsample_mode, pool_kern))
        self.downsample = nn.Sequential(*layers)
        self.mid_block = nn.Sequential(
            ResnetBlock003(dim_out, dim_out, groups=resnet_grnorm_groups),
            Residual(PreNorm(dim_out, LinearAttention(dim_out, attn_heads, attn_dim))),
            ResnetBlock003(dim_out, dim_out, groups=resnet_grnorm_groups))
        self.post_enc = nn.Sequential(
            nn.GroupNorm(num_channels=dim_out, num_groups=resnet_grnorm_groups, eps=eps),
            nn.SiLU(),
            WeightStandardizedConv2d(dim_out, latent_dim, kernel_size=3, padding=1))

    def forward(self, y):
        return self.post_enc(self.mid_block(self.downsample(self.init_conv(y))))


class Decoder2(nn.Module):
    def __init__(self, in_planes, init_planes, out_planes, plains_divs, resnet_grnorm_groups, resnet_stacks,
                 up_mode, scale, attention, attn_heads, attn_dim, eps, tanh_out):
        super().__init__()
        self.tanh = tanh_out
        dims = [init_planes, *map(lambda m: init_planes * m, plains_divs[::-1])]
        in_out = list(zip(dims[1:], dims[:-1]))[::-1]
        layers = []
        for ind, (dim_in, dim_out) in enumerate(in_out):
            is_last = ind == len(in_out) - 1
            for _ in range(resnet_stacks):
                layers.append(ResnetBlock003(dim_in, dim_in, groups=resnet_grnorm_groups))
            if dim_out in attention or ind in attention:
                layers.append(Residual(PreNorm(dim_in, LinearAttention(dim_in, attn_heads, attn_dim))))
            if is_last:
                layers.append(WeightStandardizedConv2d(dim_in, dim_out, kernel_size=3, padding=1))
            else:
                layers.append(UpsampleInterp(dim_in, dim_out, up_mode, scale))
        self.upscale = nn.Sequential(*layers)
        self.conv_in = WeightStandardizedConv2d(in_planes, in_out[0][0], kernel_size=3, padding=1)
        top = in_out[0][0]
        self.mid_block = nn.Sequential(
            ResnetBlock003(top, top, groups=resnet_grnorm_groups),
            Residual(PreNorm(top, LinearAttention(top, attn_heads, attn_dim))),
            ResnetBlock003(top, top, groups=resnet_grnorm_groups))
        self.post_up = nn.Sequential(
            nn.GroupNorm(num_groups=resnet_grnorm_groups, num_channels=dim_out, eps=eps),
            WeightStandardizedConv2d(in_out[-1][1], out_planes, kernel_size=3, padding=1))

    def forward(self, x):
        x = self.post_up(self.upscale(self.mid_block(self.conv_in(x))))
        return torch.tanh(x) if self.tanh else x


class VAE003(nn.Module):
    def __init__(self, img_ch, enc_init_ch, ch_mult, grnorm_groups, resnet_stacks, latent_dim, down_mode, down_kern,
                 down_attn, up_mode, up_scale, up_attn, attn_heads, attn_dim, eps, dec_tanh_out):
        super().__init__()
        embed_dim = latent_dim
        self._encoder = Encoder2(img_ch, enc_init_ch, ch_mult, grnorm_groups, resnet_stacks, down_mode, down_kern,
                                 down_attn, attn_heads, attn_dim, latent_dim * 2, eps)
        self._decoder = Decoder2(latent_dim, enc_init_ch, img_ch, tuple(reversed(list(ch_mult))), grnorm_groups,
                                 resnet_stacks, up_mode, up_scale, up_attn, attn_heads, attn_dim, eps, dec_tanh_out)
        self.pre_quantizer = WeightStandardizedConv2d(latent_dim * 2, 2 * embed_dim, kernel_size=1)
        self.post_quantizer = WeightStandardizedConv2d(embed_dim, latent_dim, kernel_size=1)


def pytorch_diffusion_prefixes(kw):
    """(upstream prefix, vae4j prefix) pairs for VAE003 built with ``kw``, walking its Sequentials like the original does."""
    pairs = [("pre_quantizer.", "quant_conv."), ("post_quantizer.", "post_quant_conv."),
             ("_encoder.init_conv.", "encoder.conv_in."), ("_encoder.post_enc.0.", "encoder.conv_norm_out."),
             ("_encoder.post_enc.2.", "encoder.conv_out."), ("_decoder.conv_in.", "decoder.conv_in."),
             ("_decoder.post_up.0.", "decoder.conv_norm_out."), ("_decoder.post_up.1.", "decoder.conv_out.")]

    def attention(seed, ours):
        return [(seed + "fn.norm.", ours + "norm."), (seed + "fn.fn.to_qkv.", ours + "to_qkv."),
                (seed + "fn.fn.to_out.0.", ours + "out_proj."), (seed + "fn.fn.to_out.1.", ours + "out_norm.")]

    for side in ("encoder", "decoder"):
        seed = f"_{side}.mid_block."
        pairs += [(seed + "0.", f"{side}.mid_block.resnets.0."), (seed + "2.", f"{side}.mid_block.resnets.1.")]
        pairs += attention(seed + "1.", f"{side}.mid_block.attentions.0.")
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


def rename(state, mapper):
    out = {}
    for key, value in state.items():
        new = mapper(key)
        assert new not in out, f"two keys map to {new}"
        out[new] = value.detach().clone().contiguous()
    return out


def prefix_mapper(pairs):
    def mapper(key):
        best = max((p for p in pairs if key.startswith(p[0])), key=lambda p: len(p[0]), default=None)
        assert best is not None, f"no mapping for {key}"
        return best[1] + key[len(best[0]):]
    return mapper


# ------------------------------------------------------------------ shared

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


def diffusers_keys(channels, layers, latent, groups, sample_size, quant, scaling=1.0):
    n = len(channels)
    return {"_class_name": "AutoencoderKL", "_diffusers_version": "0.42.1", "act_fn": "silu",
            "block_out_channels": channels, "down_block_types": ["DownEncoderBlock2D"] * n,
            "force_upcast": True, "in_channels": 3, "latent_channels": latent, "latents_mean": None,
            "latents_std": None, "layers_per_block": layers, "mid_block_add_attention": True,
            "norm_num_groups": groups, "out_channels": 3, "sample_size": sample_size, "scaling_factor": scaling,
            "shift_factor": None, "up_block_types": ["UpDecoderBlock2D"] * n, "use_post_quant_conv": quant,
            "use_quant_conv": quant}


def write_case(name, config, weights, io):
    out = OUT_ROOT / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(dict(sorted(config.items())), indent=2) + "\n")
    save_file(weights, out / "diffusion_pytorch_model.safetensors")
    save_file({k: v.detach().contiguous() for k, v in io.items()}, out / "io.safetensors")
    print(f"{name}: {sum(v.numel() for v in weights.values())} parameters, outputs {sorted(io)}")


@torch.no_grad()
def multihead_case(gen):
    ch, mult, blocks, z, groups, head_dim = 8, [1, 2], 1, 4, 4, 8
    vae = VAE000(3, ch, 3, mult, blocks, z, groups, head_dim).eval()
    randomize_(vae, gen)
    x = torch.randn(2, 3, 16, 16, generator=gen)
    latent = vae.encoder(x)
    noise = torch.randn(latent.shape, generator=gen)
    sample = latent * (1 + 0.1 * noise)  # ae.py DiagonalGaussian.forward with randn_like -> noise
    config = diffusers_keys([ch * m for m in mult], blocks, z, groups, 16, False)
    config.update({"mid_block_attention_type": "multi_head", "attention_head_dim": head_dim,
                   "latent_sampling": "multiplicative"})
    weights = rename(vae.state_dict(), lambda k: vqgan_training_key(k, len(mult)))
    write_case("multihead_multiplicative", config, weights,
               {"input": x, "latent": latent, "noise": noise, "sample": sample, "decoded": vae.decoder(sample)})


POST_ACTIVATION_CASES = {
    # the shape of vae_f8.json, scaled down: avg pooling, nearest, linear attention everywhere, tanh
    "post_activation_avg_nearest": dict(down_mode="avg", up_mode="nearest", down_attn=[0, 1, 2], up_attn=[0, 1, 2],
                                attn_heads=2, attn_dim=4, dec_tanh_out=True),
    "post_activation_max_bicubic": dict(down_mode="max", up_mode="bicubic", down_attn=[1], up_attn=[0],
                                attn_heads=1, attn_dim=8, dec_tanh_out=False),
    "post_activation_avg_bilinear": dict(down_mode="avg", up_mode="bilinear", down_attn=[], up_attn=[],
                                 attn_heads=2, attn_dim=4, dec_tanh_out=True),
}


@torch.no_grad()
def post_activation_case(name, variant, gen):
    kw = dict(img_ch=3, enc_init_ch=4, ch_mult=(1, 2, 4), grnorm_groups=2, resnet_stacks=1, latent_dim=2,
              down_kern=2, up_scale=2, eps=1e-7, **variant)
    vae = VAE003(**kw).eval()
    randomize_(vae, gen)
    x = torch.randn(2, 3, 16, 16, generator=gen)
    moments = vae.pre_quantizer(vae._encoder(x))
    mean, logvar = torch.chunk(moments, 2, dim=1)  # DiagonalGaussianDistribution
    logvar = torch.clamp(logvar, -30.0, 20.0)
    noise = torch.randn(mean.shape, generator=gen)
    sample = mean + torch.exp(0.5 * logvar) * noise
    decoded = vae._decoder(vae.post_quantizer(sample))
    levels = len(kw["ch_mult"])
    channels = [kw["enc_init_ch"] * m for m in kw["ch_mult"]]
    config = diffusers_keys(channels, kw["resnet_stacks"], kw["latent_dim"], kw["grnorm_groups"], 16, True)
    attn = lambda chosen: ["linear" if i in chosen else "none" for i in range(levels)]
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
    weights = rename(vae.state_dict(), prefix_mapper(pytorch_diffusion_prefixes(kw)))
    write_case(name, config, weights, {"input": x, "posterior_mean": mean, "posterior_logvar": logvar,
                                       "noise": noise, "sample": sample, "decoded": decoded})


def main():
    torch.manual_seed(BASE_SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(BASE_SEED)
    multihead_case(gen)
    for name, variant in POST_ACTIVATION_CASES.items():
        post_activation_case(name, variant, gen)


if __name__ == "__main__":
    main()

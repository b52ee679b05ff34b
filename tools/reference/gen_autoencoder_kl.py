#!/usr/bin/env python3
"""Parity fixtures for vae4j's AutoencoderKL (diffusers reference).

For every case in CASES this builds a tiny diffusers ``AutoencoderKL``, fills
every parameter with seeded random values, and writes into
``vae-core/src/test/resources/fixtures/autoencoder_kl/<case>/``:

  config.json                         diffusers config (vae.save_config)
  diffusion_pytorch_model.safetensors diffusers state dict, float32
  ldm.safetensors                     same weights under CompVis/LDM names
  legacy.safetensors                  (first case only) pre-0.17 attention names
  io.safetensors                      inputs and reference outputs

Every file is checked afterwards: the LDM file is converted back with
diffusers' own ``convert_ldm_vae_checkpoint``, the legacy file is loaded with
``AutoencoderKL.from_pretrained`` (which renames the old attention keys), and
all outputs are recomputed from the files on disk and compared bit for bit.

Runs on the CPU in float32 with one thread and deterministic algorithms, so
two runs produce byte-identical files. Never touches the network.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # configs are passed explicitly; no hub access

import json
import math
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import load_file, save_file

import diffusers
from diffusers import AutoencoderKL
from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint
from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution

diffusers.utils.logging.set_verbosity_error()  # silence the 'accelerate not installed' notice of from_pretrained

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_ROOT = REPO_ROOT / "vae-core/src/test/resources/fixtures/autoencoder_kl"
BASE_SEED = 20240611

# name -> (AutoencoderKL kwargs, input shape, LDM file with "first_stage_model." prefix + extra keys, write legacy file)
CASES = {
    "kl4_quant_attn": (
        dict(in_channels=3, out_channels=3, block_out_channels=[16, 32], layers_per_block=1, latent_channels=4,
             norm_num_groups=8, use_quant_conv=True, use_post_quant_conv=True, mid_block_add_attention=True,
             scaling_factor=0.18215),
        (2, 3, 32, 32), True, True),
    "kl16_noquant": (
        dict(in_channels=3, out_channels=3, block_out_channels=[8, 16, 16], layers_per_block=2, latent_channels=16,
             norm_num_groups=4, use_quant_conv=False, use_post_quant_conv=False, mid_block_add_attention=True,
             scaling_factor=0.3611, shift_factor=0.1159),
        (1, 3, 32, 48), False, False),
    "kl4_noattn": (
        dict(in_channels=3, out_channels=3, block_out_channels=[8, 16], layers_per_block=1, latent_channels=4,
             norm_num_groups=4, use_quant_conv=True, use_post_quant_conv=True, mid_block_add_attention=False),
        (2, 3, 24, 40), False, False),
    "gray_in_out": (
        dict(in_channels=1, out_channels=1, block_out_channels=[8, 8, 16], layers_per_block=1, latent_channels=8,
             norm_num_groups=4, use_quant_conv=True, use_post_quant_conv=True, mid_block_add_attention=True),
        (1, 1, 16, 24), False, False),
}

LDM_PREFIX = "first_stage_model."


def setup_determinism():
    torch.manual_seed(BASE_SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)


def build_vae(kwargs):
    n = len(kwargs["block_out_channels"])
    vae = AutoencoderKL(down_block_types=["DownEncoderBlock2D"] * n, up_block_types=["UpDecoderBlock2D"] * n,
                        act_fn="silu", sample_size=32, **kwargs)
    assert all(p.dtype == torch.float32 for p in vae.parameters())
    return vae.eval()


@torch.no_grad()
def randomize_(vae, gen):
    """Overwrite every parameter: conv/linear weights ~ N(0, 1/fan_in), norm weights 1 + 0.1*N, biases 0.1*N."""
    done = set()
    for _, m in vae.named_modules():
        if isinstance(m, torch.nn.GroupNorm):
            m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            fan_in = m.weight[0].numel()
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(fan_in))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        else:
            continue
        done.update(id(p) for p in m.parameters(recurse=False))
    missed = [n for n, p in vae.named_parameters() if id(p) not in done]
    assert not missed, f"parameters not randomized: {missed}"
    assert not list(vae.buffers()), "unexpected buffers"


# ---------------------------------------------------------------- naming schemes

def to_ldm_key(key, n_blocks):
    """diffusers key -> CompVis/LDM key (written independently of diffusers' converter)."""
    k = key
    k = re.sub(r"^(encoder|decoder)\.conv_norm_out\.", r"\1.norm_out.", k)
    k = re.sub(r"^encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.", r"encoder.down.\1.block.\2.", k)
    k = re.sub(r"^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.", r"encoder.down.\1.downsample.conv.", k)
    k = re.sub(r"^decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.",
               lambda m: f"decoder.up.{n_blocks - 1 - int(m[1])}.block.{m[2]}.", k)
    k = re.sub(r"^decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.",
               lambda m: f"decoder.up.{n_blocks - 1 - int(m[1])}.upsample.conv.", k)
    k = re.sub(r"\.mid_block\.resnets\.(\d)\.", lambda m: f".mid.block_{int(m[1]) + 1}.", k)
    k = k.replace(".mid_block.attentions.0.", ".mid.attn_1.")
    k = k.replace(".conv_shortcut.", ".nin_shortcut.")
    k = re.sub(r"\.attn_1\.group_norm\.", ".attn_1.norm.", k)
    k = re.sub(r"\.attn_1\.to_(q|k|v)\.", r".attn_1.\1.", k)
    k = k.replace(".attn_1.to_out.0.", ".attn_1.proj_out.")
    return k


def ldm_state_dict(sd, n_blocks, prefixed):
    out = {}
    for key, t in sd.items():
        lk = to_ldm_key(key, n_blocks)
        if ".attn_1." in lk and lk.endswith(".weight") and t.ndim == 2:
            t = t.reshape(*t.shape, 1, 1)  # Linear [C,C] -> 1x1 Conv2d [C,C,1,1]
        out[(LDM_PREFIX if prefixed else "") + lk] = t.contiguous()
    assert len(out) == len(sd), "LDM key collision"
    if prefixed:
        # Unrelated keys that real LDM training checkpoints carry (loss.logvar, EMA bookkeeping).
        out["loss.logvar"] = torch.tensor(0.0, dtype=torch.float32)
        out["model_ema.decay"] = torch.tensor(0.9999, dtype=torch.float32)
        out["model_ema.num_updates"] = torch.tensor(0, dtype=torch.int32)
    return out


LEGACY = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def legacy_state_dict(sd):
    out = {}
    for key, t in sd.items():
        for new, old in LEGACY.items():
            key = key.replace(f".attentions.0.{new}.", f".attentions.0.{old}.")
        out[key] = t.contiguous()
    return out


# ---------------------------------------------------------------- reference outputs

@torch.no_grad()
def reference_outputs(vae, x, x2, noise):
    cfg = vae.config
    dist = vae.encode(x).latent_dist
    dist2 = vae.encode(x2).latent_dist
    sample = dist.mean + dist.std * noise  # exactly DiagonalGaussianDistribution.sample with given noise
    shift = cfg.shift_factor if cfg.shift_factor is not None else 0.0
    return {
        "posterior_mean": dist.mean,
        "posterior_logvar": dist.logvar,
        "posterior_std": dist.std,
        "posterior_sample": sample,
        "kl": dist.kl(),
        "nll": dist.nll(sample),
        "kl_other": dist.kl(dist2),
        "decoded": vae.decode(sample).sample,
        "forward": vae(x).sample,
        "scaled_latents": (sample - shift) * cfg.scaling_factor,
    }


def make_io(vae, shape, gen):
    x = torch.rand(shape, generator=gen) * 2 - 1
    x2 = torch.rand(shape, generator=gen) * 2 - 1
    with torch.no_grad():
        mean_shape = vae.encode(x).latent_dist.mean.shape
    noise = torch.randn(mean_shape, generator=gen)
    io = {"input": x, "input2": x2, "noise": noise}
    io.update(reference_outputs(vae, x, x2, noise))
    return {k: v.detach().to(torch.float32).contiguous() for k, v in io.items()}


# ---------------------------------------------------------------- verification

def assert_same(a, b, what):
    assert a.keys() == b.keys(), f"{what}: key mismatch {sorted(set(a) ^ set(b))}"
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and torch.equal(a[k], b[k]), f"{what}: {k}"


def verify_case(folder, legacy):
    """Reload everything from disk and recompute; all comparisons are bit-exact."""
    config = json.loads((folder / "config.json").read_text())
    diff_sd = load_file(folder / "diffusion_pytorch_model.safetensors")
    assert all(t.dtype == torch.float32 for t in diff_sd.values())

    # Fresh model from config.json + diffusers weights, exactly as the Java side will do it.
    vae = AutoencoderKL.from_config(config).eval()
    vae.load_state_dict(diff_sd, strict=True)
    assert_same(diff_sd, {k: v for k, v in vae.state_dict().items()}, "diffusers file")

    # LDM file -> diffusers' own converter -> must equal the diffusers state dict.
    ldm = load_file(folder / "ldm.safetensors")
    assert_same(diff_sd, {k: v.contiguous() for k, v in convert_ldm_vae_checkpoint(ldm, config).items()}, "ldm")

    # Legacy file -> diffusers' own from_pretrained (renames query/key/value/proj_attn on load).
    if legacy:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(folder / "config.json", tmp)
            shutil.copy(folder / "legacy.safetensors", Path(tmp) / "diffusion_pytorch_model.safetensors")
            legacy_vae = AutoencoderKL.from_pretrained(tmp, local_files_only=True)
        assert_same(diff_sd, legacy_vae.state_dict(), "legacy")

    io = load_file(folder / "io.safetensors")
    recomputed = reference_outputs(vae, io["input"], io["input2"], io["noise"])
    for k, v in recomputed.items():
        assert torch.equal(v, io[k]), f"io: {k} differs after reload"
    # The posterior itself must also agree with a DiagonalGaussianDistribution built from the raw moments.
    with torch.no_grad():
        h = vae.encoder(io["input"])
        if vae.quant_conv is not None:
            h = vae.quant_conv(h)
    d = DiagonalGaussianDistribution(h)
    assert torch.equal(d.mean, io["posterior_mean"]) and torch.equal(d.logvar, io["posterior_logvar"])


# ---------------------------------------------------------------- main

def rng(t):
    return f"[{t.min().item():+.4f}, {t.max().item():+.4f}]"


def generate_case(idx, name, kwargs, shape, prefixed, legacy):
    gen = torch.Generator().manual_seed(BASE_SEED + 1000 * idx)
    vae = build_vae(kwargs)
    randomize_(vae, gen)
    sd = {k: v.detach().contiguous() for k, v in vae.state_dict().items()}
    assert all(t.dtype == torch.float32 for t in sd.values())

    folder = OUT_ROOT / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    vae.save_pretrained(folder, safe_serialization=True)  # config.json + diffusion_pytorch_model.safetensors
    n_blocks = len(kwargs["block_out_channels"])
    save_file(ldm_state_dict(sd, n_blocks, prefixed), folder / "ldm.safetensors")
    if legacy:
        save_file(legacy_state_dict(sd), folder / "legacy.safetensors")

    io = make_io(vae, shape, gen)
    # One metadata entry only: safetensors keeps metadata in a hash map, so several entries come out in random order.
    save_file(io, folder / "io.safetensors", metadata={"source": f"tools/reference/gen_autoencoder_kl.py case={name}"})

    verify_case(folder, legacy)
    for f in folder.iterdir():
        f.chmod(0o644)  # the safetensors writer creates files 0600

    n_params = sum(t.numel() for t in sd.values())
    files = sorted(p.name for p in folder.iterdir())
    size = sum(p.stat().st_size for p in folder.iterdir())
    summary = (f"{name}: params={n_params} tensors={len(sd)} input={tuple(shape)} "
               f"latent={tuple(io['posterior_mean'].shape)} mean={rng(io['posterior_mean'])} "
               f"logvar={rng(io['posterior_logvar'])} decoded={rng(io['decoded'])} "
               f"forward={rng(io['forward'])} kl={[round(v, 4) for v in io['kl'].tolist()]}")
    return dict(name=name, kwargs=kwargs, shape=shape, prefixed=prefixed, legacy=legacy, n_params=n_params,
                n_tensors=len(sd), files=files, size=size, summary=summary)


def write_readme(results):
    versions = (f"torch {torch.__version__}, diffusers {diffusers.__version__}, "
                f"safetensors {safetensors.__version__}, numpy {np.__version__}")
    lines = [
        "# AutoencoderKL parity fixtures",
        "",
        "Generated by `tools/reference/gen_autoencoder_kl.py` (run `tools/reference/generate_all.sh`; do not edit by hand).",
        f"Versions: {versions}. CPU, float32, 1 thread, deterministic algorithms, base seed {BASE_SEED}.",
        "",
        "Weights are random (every parameter overwritten with seeded values: conv/linear weights N(0, 1/fan_in),",
        "GroupNorm weights 1 + 0.1*N(0,1), all biases 0.1*N(0,1)). All blocks are DownEncoderBlock2D / UpDecoderBlock2D,",
        "act_fn silu, sample_size 32. All tensors are float32.",
        "",
        "## Files per case",
        "",
        "- `config.json`: diffusers config as written by `save_config`.",
        "- `diffusion_pytorch_model.safetensors`: diffusers state dict (`to_q/to_k/to_v/to_out.0`, 2-D attention weights).",
        "- `ldm.safetensors`: same weights under CompVis/LDM names (`down.i.block.j`, `up.{n-1-i}`, `mid.block_1/attn_1/block_2`,",
        "  `nin_shortcut`, `norm_out`, `attn_1.norm/q/k/v/proj_out` with 4-D `[C,C,1,1]` weights, `downsample.conv`, `upsample.conv`).",
        f"  In `kl4_quant_attn` every VAE key carries the `{LDM_PREFIX}` prefix and the file also holds unrelated keys",
        "  `loss.logvar` (F32 scalar, shape []), `model_ema.decay` (F32 scalar) and `model_ema.num_updates` (I32 scalar), as real",
        "  LDM checkpoints do; a loader must ignore them. The other cases have no prefix and no extra keys.",
        "- `legacy.safetensors` (`kl4_quant_attn` only): diffusers names with pre-0.17 attention names",
        "  `query/key/value/proj_attn` (2-D weights).",
        "- `io.safetensors`: `input` (uniform [-1,1]), `input2`, `noise` (randn, shape of the posterior mean),",
        "  `posterior_mean`, `posterior_logvar` (clamped to [-30,20]), `posterior_std`, `posterior_sample` = mean + std*noise,",
        "  `kl` = kl() (shape N), `nll` = nll(posterior_sample) (shape N), `kl_other` = kl(posterior of input2) (shape N),",
        "  `decoded` = decode(posterior_sample), `forward` = vae(input) (posterior mode),",
        "  `scaled_latents` = (posterior_sample - shift_factor) * scaling_factor (shift 0 when null).",
        "",
        "Checks done by the generator: the LDM file converted back with diffusers' `convert_ldm_vae_checkpoint` equals the",
        "diffusers state dict; the legacy file loaded through `AutoencoderKL.from_pretrained` equals it too; every output",
        "recomputed from the files on disk is bit-identical.",
        "",
        "Bit-exactness holds only for this setup (single-threaded CPU). Re-running the same model in PyTorch with 8 threads",
        "changes outputs by a few 1e-6 (the `kl` sums by up to ~3e-5), so Java parity tests should compare with a tolerance.",
        "",
        "## Cases",
        "",
        "| case | block_out_channels | layers | latent | groups | quant convs | mid attn | scaling / shift | input | params | tensors | files | bytes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        k = r["kwargs"]
        lines.append(
            f"| `{r['name']}` | {k['block_out_channels']} | {k['layers_per_block']} | {k['latent_channels']} | "
            f"{k['norm_num_groups']} | {k['use_quant_conv']} | {k['mid_block_add_attention']} | "
            f"{k.get('scaling_factor', 0.18215)} / {k.get('shift_factor')} | {tuple(r['shape'])} | {r['n_params']} | "
            f"{r['n_tensors']} | {', '.join(r['files'])} | {r['size']} |")
    lines += ["", "## Summaries (printed by the generator)", "", "```"] + [r["summary"] for r in results] + ["```", ""]
    (OUT_ROOT / "README.md").write_text("\n".join(lines))


def main():
    setup_determinism()
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    results = []
    for idx, (name, (kwargs, shape, prefixed, legacy)) in enumerate(CASES.items()):
        r = generate_case(idx, name, kwargs, shape, prefixed, legacy)
        print(r["summary"], flush=True)
        results.append(r)
    write_readme(results)
    total = sum(r["size"] for r in results)
    print(f"wrote {len(results)} cases to {OUT_ROOT.relative_to(REPO_ROOT)} ({total} bytes); all checks passed")


if __name__ == "__main__":
    sys.exit(main())

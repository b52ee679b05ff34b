#!/usr/bin/env python3
"""Parity fixtures for vae4j's UNetGAN and GigaGAN discriminators, from open-LiteVAE's own code.

Reference: ``vendor/open-litevae/`` (RGenDiff/open-litevae 2d93a82, AGPL-3.0, unmodified):
``olvae/modules/unetgan/d_unet.py`` ``Unet_Discriminator`` (boschresearch/unetgan's BigGAN-based U-Net
discriminator, with BigGAN's ``layers.py``) and ``olvae/modules/gigagan/vae_disc.py`` ``Descriminator`` (with
``layers.py`` and ``attention.py``). How the published code is called (see ``vendor/open-litevae/SOURCE.md``):

- UNetGAN: ``Unet_Discriminator(D_ch, resolution=256, D_attn="0")``; ``D_attn="0"`` is the README's "attn=None"
  (no resolution is 0), everything else default (SN eps 1e-12, orthogonal init, unconditional).
- GigaGAN: ``Descriminator(..., embedding_channels=None, flatten_outputs=False)``; the default
  ``embedding_channels=512`` raises NameError (``act`` undefined in ``layers.py``), and the per-level list is what
  vae4j's ``heads`` returns (the flattened vector concatenates the levels over the whole batch).

Writes into ``vae-discriminators/src/test/resources/fixtures/``:

  unetgan/tiny/weights.safetensors   state dict before any forward (upstream keys)
  unetgan/tiny/io.safetensors        input (float16-exact values, stored as float16), train-mode heads
                                     (global (1, 1), pixel (1, 1, 256, 256)), grad.<key> of
                                     mean(pixel^2) + sum(global) for a subset of parameters, after.<key> (u0/sv0 after
                                     the power iteration), eval-mode heads afterwards (global, pixel centre crop 64x64)
  gigagan/tiny/weights.safetensors   state dict before any forward (every parameter seeded, incl. the zero-initialised
                                     attention output projection and filter-bank biases)
  gigagan/tiny/io.safetensors        input, input2, train-mode per-level logits head<i>, grad of
                                     sum_i mean(head_i^2) + mean(head_i) w.r.t. the input and some parameters,
                                     after.<key> (BatchNorm running stats, SN u/v), eval-mode heads on input2
  parameter_counts.json              parameters of every UNetGAN / GigaGAN preset of DiscriminatorPresets, counted on
                                     the upstream modules
  README.md                          (in both folders' parent) what is where

CPU, float32, one thread, deterministic algorithms, fixed seeds: byte-identical on rerun.
"""

import contextlib
import io
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "vendor" / "open-litevae")]
from olvae.modules.gigagan.vae_disc import Descriminator  # noqa: E402
from olvae.modules.unetgan.d_unet import Unet_Discriminator  # noqa: E402

REPO_ROOT = HERE.parents[1]
OUT_ROOT = REPO_ROOT / "vae-discriminators/src/test/resources/fixtures"
SEED = 20240612
UPSTREAM = "RGenDiff/open-litevae 2d93a82be3b398ad05f659a59a2fd2986b4f2e76"

UNETGAN_PRESETS = {"unetgan-s": 16, "unetgan-m": 32, "unetgan-l": 64}
UNETGAN_TINY_CH = 2
# open-LiteVAE README: C_base 4096, C_max 256, attn [8, 16]; conv_blocks 1 (the reading vae4j's preset uses)
GIGAGAN_PRESET = dict(image_size=256, base_channels=4096, max_channels=256, conv_blocks=1, pred_layers=4,
                      attention_resolutions=[8, 16], head_dim=64, attn_res_gain=0.5)
# 32 px: 3 levels of 16 / 32 / 32 channels, attention at 8 (GroupNorm32 needs 32 channels there), 2 heads of 16,
# 3-layer predictors (the 4-layer final predictor alone would be 0.5 MB)
GIGAGAN_TINY = dict(image_size=32, base_channels=256, max_channels=32, conv_blocks=1, pred_layers=3,
                    attention_resolutions=[8], head_dim=16, attn_res_gain=0.5)
GIGAGAN_GRAD_PREFIXES = ("blocks.0.", "blocks.2.", "predictors.0.", "predskip.")


def quiet(factory):
    """The upstream constructors print their architecture; keep the script's output readable."""
    with contextlib.redirect_stdout(io.StringIO()):
        return factory()


def unetgan(ch):
    return quiet(lambda: Unet_Discriminator(D_ch=ch, resolution=256, D_attn="0"))


def gigagan(cfg):
    return quiet(lambda: Descriminator(**cfg, embedding_channels=None, flatten_outputs=False))


def count(m):
    return sum(p.numel() for p in m.parameters())


def state(model):
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def buffers(model):
    """The state-dict buffers (what a forward can change: power-iteration vectors, BatchNorm statistics)."""
    return {k: v.detach().clone().contiguous() for k, v in model.named_buffers()}


def preset_counts():
    counts = {name: count(unetgan(ch)) for name, ch in UNETGAN_PRESETS.items()}
    counts["gigagan"] = count(gigagan(GIGAGAN_PRESET))
    counts["gigagan_conv_blocks_2"] = count(gigagan(dict(GIGAGAN_PRESET, conv_blocks=2)))
    for name, n in counts.items():
        print(f"{name:22s} {n:,}")
    return counts


def write_unetgan():
    torch.manual_seed(SEED)
    model = unetgan(UNETGAN_TINY_CH)
    weights = state(model)
    x = (torch.rand(1, 3, 256, 256) * 2 - 1).half()  # float16 storage keeps the fixture small
    model.train()
    pixel, glob = model(x.float())
    loss = pixel.pow(2).mean() + glob.sum()
    names = [n for n, _ in model.named_parameters()
             if n.startswith(("blocks.0.", "blocks.11.", "blocks.12.", "linear_middle."))]
    params = dict(model.named_parameters())
    grads = torch.autograd.grad(loss, [params[n] for n in names])
    after = buffers(model)
    model.eval()
    with torch.no_grad():
        eval_pixel, eval_glob = model(x.float())
    tensors = {"input": x, "train_global": glob.detach(), "train_pixel": pixel.detach(),
               "eval_global": eval_glob, "eval_pixel_crop": eval_pixel[:, :, 96:160, 96:160].contiguous()}
    tensors.update({"grad." + n: g for n, g in zip(names, grads)})
    tensors.update({"after." + k: v for k, v in after.items()})
    folder = OUT_ROOT / "unetgan" / "tiny"
    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "weights.safetensors"), metadata={"format": "pt"})
    save_file(tensors, str(folder / "io.safetensors"), metadata={"format": "pt"})
    return (f"`unetgan/tiny`: Unet_Discriminator(D_ch={UNETGAN_TINY_CH}, resolution=256, D_attn=\"0\"), "
            f"{count(model):,} parameters, input {list(x.shape)} -> global {list(glob.shape)}, "
            f"pixel {list(pixel.shape)}")


def seeded_parameters(model, gen):
    """Replaces constant-initialised parameters (zeros, ones: biases, norms, the zeroed proj_out) with seeded values."""
    with torch.no_grad():
        for _, p in model.named_parameters():
            if p.numel() > 0 and bool((p == p.flatten()[0]).all()):
                p.add_(0.2 * torch.randn(p.shape, generator=gen))


def write_gigagan():
    torch.manual_seed(SEED + 1)
    gen = torch.Generator().manual_seed(SEED + 1)
    model = gigagan(GIGAGAN_TINY)
    seeded_parameters(model, gen)
    weights = state(model)
    x = torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1
    x2 = torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1
    model.train()
    xg = x.clone().requires_grad_(True)
    heads = model(xg)
    loss = sum(h.pow(2).mean() + h.mean() for h in heads)
    names = [n for n, _ in model.named_parameters() if n.startswith(GIGAGAN_GRAD_PREFIXES)]
    params = dict(model.named_parameters())
    grads = torch.autograd.grad(loss, [xg] + [params[n] for n in names], allow_unused=True)
    after = buffers(model)
    model.eval()
    with torch.no_grad():
        eval_heads = model(x2)
    tensors = {"input": x, "input2": x2, "grad_input": grads[0]}
    tensors.update({f"train_head{i}": h.detach() for i, h in enumerate(heads)})
    tensors.update({f"eval_head{i}": h for i, h in enumerate(eval_heads)})
    # img_conv of the levels after the first is unused (its input is not RGB): no gradient
    tensors.update({"grad." + n: g for n, g in zip(names, grads[1:]) if g is not None})
    tensors.update({"after." + k: v for k, v in after.items()})
    folder = OUT_ROOT / "gigagan" / "tiny"
    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "weights.safetensors"), metadata={"format": "pt"})
    save_file(tensors, str(folder / "io.safetensors"), metadata={"format": "pt"})
    return (f"`gigagan/tiny`: Descriminator({GIGAGAN_TINY}, embedding_channels=None), {count(model):,} parameters, "
            f"input {list(x.shape)} -> heads {[list(h.shape) for h in heads]}")


README = """# {title} parity fixtures

Generated by `tools/reference/gen_litevae_discriminators.py` from open-LiteVAE's own code ({upstream}, vendored
unmodified in `tools/reference/vendor/open-litevae/`). State-dict keys are upstream's; vae4j loads them unrenamed.

{text}

`../parameter_counts.json` holds the parameter counts of every preset of `DiscriminatorPresets`, counted on the
upstream modules (`UNetGanDiscriminatorTest` / `GigaGanDiscriminatorTest` assert vae4j's counts equal them):

{counts}
"""

UNETGAN_TEXT = """- {case}
- `weights.safetensors`: the state dict before any forward (orthogonal init from a seeded global generator;
  `u0`/`sv0` power-iteration buffers).
- `io.safetensors`: `input` (1, 3, 256, 256) stored as float16 (use as float32), train-mode `train_global` (1, 1)
  and `train_pixel` (1, 1, 256, 256), `grad.<key>` = d(mean(train_pixel^2) + sum(train_global))/d key for the
  parameters of blocks 0, 11, 12 and `linear_middle`, `after.<key>` = every buffer after the train-mode forward (u0/sv0
  updated), eval-mode `eval_global` and `eval_pixel_crop` (pixel logits [96:160, 96:160]).
- Upstream call: `Unet_Discriminator(D_ch, resolution=256, D_attn="0")`. The README's "attn=None" has no spelling
  in `d_unet.py` (`D_attn` is parsed with `int`); "0" matches no resolution. The architecture's output view is
  fixed to 256x256, hence the one 256x256 input."""

GIGAGAN_TEXT = """- {case}
- `weights.safetensors`: the state dict before any forward; every parameter that upstream initialises to a
  constant (biases, norm affines, the zero-initialised `proj_out`, the zero filter-bank biases) is perturbed with
  seeded noise so every path is exercised.
- `io.safetensors`: `input`, `input2` (2, 3, 32, 32); train-mode per-level logits `train_head<i>` (i = 0..3: 17, 9,
  5, 1); `grad_input` and `grad.<key>` of sum_i mean(head_i^2) + mean(head_i) for the parameters of `blocks.0`,
  `blocks.2` (with the attention), `predictors.0` and `predskip` (the later levels' RGB `img_conv` is unused and has
  none); `after.<key>` = every buffer after the train-mode forward (BatchNorm running stats and
  `num_batches_tracked`, spectral-norm `weight_u`/`weight_v`); eval-mode `eval_head<i>` on `input2`.
- Upstream call: `Descriminator(..., embedding_channels=None, flatten_outputs=False)`. With the default
  `embedding_channels=512` the published `layers.py` raises NameError (`act` is not defined there), so upstream only
  runs unconditionally; `flatten_outputs=False` returns the per-level maps (the flattened vector interleaves the
  batch inside each level, vae4j's `logits` concatenates per sample; both have the same mean)."""


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    counts = preset_counts()
    (OUT_ROOT / "parameter_counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    table = "\n".join(f"- `{k}`: {v:,}" for k, v in counts.items())
    unet_case = write_unetgan()
    giga_case = write_gigagan()
    print(unet_case)
    print(giga_case)
    (OUT_ROOT / "unetgan" / "README.md").write_text(README.format(
        title="UNetGAN", upstream=UPSTREAM, text=UNETGAN_TEXT.format(case=unet_case), counts=table))
    (OUT_ROOT / "gigagan" / "README.md").write_text(README.format(
        title="GigaGAN", upstream=UPSTREAM, text=GIGAGAN_TEXT.format(case=giga_case), counts=table))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Parity fixtures of stanipov/pytorch-diffusion's latent ``Unet`` from its own files (``src/models/unet.py``,
``conv_blocks.py``, ``attention.py``, ``helpers.py``, ``configs/LDM.json``).

The repository has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) of
https://github.com/stanipov/pytorch-diffusion as ``--upstream DIR`` (or $PYTORCH_DIFFUSION_REPO); the files are
extracted unmodified from the pinned commit and imported (``from src.models.unet import set_unet``).
``src/models/unet.py`` imports ``src.train.util`` (which pulls in torchvision, torchmetrics, LPIPS, ...) only for
``partial_load_model``; ``src.train`` is not extracted and stands in as an unused stub.

Pinned commit: 705b0076fc4fc3968cf52fae47bbb6fbdace5a6d (2023-08-28, "Minor changes", HEAD).

Writes into ``vae-diffusion/src/test/resources/fixtures/latent_unet/``:

  <case>/config.json, <case>/model.safetensors, <case>/io.safetensors
      the model ``set_unet(config)`` builds from the case's ``unet_config`` (CASES, tiny), seeded random weights
      (every parameter perturbed: conv/linear weights N(0, 1/fan_in), norm weights 1 + 0.1 N, biases 0.1 N) under
      upstream's state-dict keys; ``latents`` (2, C, 8, 8), ``timesteps`` (2) float, ``labels`` (2) int64 (classed
      cases, passed upstream as ``labels.float()[:, None]``, the (N, 1) float tensor its ``lbl_embeds`` accepts),
      ``output`` = ``model(latents, timesteps, lbls=...)``, ``grad_weight`` (w) and ``latents_grad`` =
      d sum(output * w) / d latents; the self-conditioned case adds ``self_cond`` and ``output_self_cond`` =
      ``model(latents, timesteps, x_self_cond=self_cond)``.
  classes_nearest/unet.pt
      the same state dict as ``torch.save(unet_raw.state_dict(), ...)`` in ``train_LDM.py`` writes it (a zip pickle).
  counts.json
      the parameter count of what ``set_unet`` builds from ``configs/LDM.json``'s ``unet_config`` (the
      ``pytorch-diffusion-ldm`` preset). The shipped JSON has trailing commas (invalid JSON); they are dropped before
      parsing. Its ``load_name`` placeholder is removed (set_unet would try to load that path).

The script also asserts the upstream behaviours the Java side documents: ``set_unet`` ignores ``down_mode`` (it pops
``classes`` a second time, so LDM.json's "max" builds AvgPool2d) and ignores ``num_classes`` (no label embedding);
``lbl_embeds`` accepts only float (N, len(classes)) labels, not int64 and not (N); ``train_LDM.py``'s call
``model(x, t, x_self_cond=<the self_condition flag>, lbls=<(N) int64 labels>)`` fails on the LDM.json model.

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

from upstream import snapshot, stub_modules, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/latent_unet"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
SEED = 20230828
TINY = {"img_size": 8, "in_channels": 4, "out_channels": 4, "init_dim": 4, "resnet_grnorm_groups": 2,
        "attn_heads": 2, "attn_head_res": 4}

PICKLED_CASE = "classes_nearest"
CASES = {
    # class-conditioned, nearest upsampling, one resnet per level
    "classes_nearest": dict(TINY, dim_mults=[1, 2], resnet_stacks=1, classes=5, up_mode="nearest"),
    # self-conditioned, set_unet's default bilinear upsampling, two resnets per level, three levels, time_dim given
    "self_condition_bilinear": dict(TINY, dim_mults=[1, 2, 2], resnet_stacks=2, self_condition=True, time_dim=16),
    # transposed-conv upsampling, classes given as a one-element list, a down_mode that set_unet ignores
    "conv_up_classes_list": dict(TINY, dim_mults=[1, 2], resnet_stacks=1, classes=[7], up_mode="conv",
                                 down_mode="max"),
}


@torch.no_grad()
def randomize_(model, gen):
    """weights N(0, 1/fan_in), norm weights 1 + 0.1 N, every bias 0.1 N: no parameter keeps its initial value."""
    for m in model.modules():
        if isinstance(m, nn.GroupNorm):
            m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.weight[0].numel()))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def thread_spread(model, io, lbls):
    """max |diff| of the input gradient recomputed with 2 CPU threads: float32 noise of upstream itself."""
    torch.set_num_threads(2)
    x = io["latents"].clone().requires_grad_(True)
    (grad,) = torch.autograd.grad((model(x, io["timesteps"], lbls=lbls) * io["grad_weight"]).sum(), x)
    torch.set_num_threads(1)
    return float((grad - io["latents_grad"]).abs().max())


def upstream_labels(labels):
    """The label tensor upstream's lbl_embeds accepts for (N) int64 class indices: (N, 1) float."""
    return labels.float()[:, None]


def unet_case(set_unet, name, config, gen):
    model = set_unet(dict(config)).eval()
    randomize_(model, gen)
    n = 2
    latents = torch.randn(n, config["in_channels"], 8, 8, generator=gen)
    timesteps = torch.tensor([3.0, 417.0])
    io = {"latents": latents, "timesteps": timesteps}
    classed = bool(config.get("classes"))
    if classed:
        io["labels"] = torch.tensor([4, 1]) if config["classes"] == 5 else torch.tensor([0, 6])
    lbls = upstream_labels(io["labels"]) if classed else None
    x = latents.clone().requires_grad_(True)
    output = model(x, timesteps, lbls=lbls)
    weight = torch.randn(output.shape, generator=gen)
    (grad,) = torch.autograd.grad((output * weight).sum(), x)
    io.update(output=output, grad_weight=weight, latents_grad=grad)
    print(f"{name}: upstream's own latents_grad moves by {thread_spread(model, io, lbls):.2e} with 2 threads")
    if config.get("self_condition"):
        self_cond = torch.randn(latents.shape, generator=gen)
        with torch.no_grad():
            io["self_cond"] = self_cond
            io["output_self_cond"] = model(latents, timesteps, x_self_cond=self_cond, lbls=lbls)
            assert torch.equal(model(latents, timesteps, lbls=lbls), output.detach())
            assert not torch.allclose(io["output_self_cond"], output)
    out = OUT / name
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    weights = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    save_file(weights, out / "model.safetensors")
    if name == PICKLED_CASE:
        # what train_LDM.py writes: torch.save(unet_raw.state_dict(), ...)
        torch.save(model.state_dict(), out / "unet.pt")
    save_file({k: v.detach().clone().contiguous() for k, v in io.items()}, out / "io.safetensors")
    count = sum(p.numel() for p in model.parameters())
    print(f"{name}: {count} parameters, |output| max {output.abs().max():.3f}")
    return count


def ldm_unet_config(root):
    text = (root / "configs/LDM.json").read_text()
    config = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["unet_config"]
    del config["load_name"]
    return config


def check_upstream_behaviour(set_unet, config):
    """Asserts what the Java side documents about set_unet and the label input (see the module docstring)."""
    with torch.device("meta"):
        ldm = set_unet(dict(config))
    assert config["down_mode"] == "max" and isinstance(ldm.downs[0][-1][0], nn.AvgPool2d), "down_mode is ignored"
    assert config["num_classes"] == 27 and not hasattr(ldm, "lbl_embeds"), "num_classes is not read"
    assert isinstance(ldm.ups[0][-1][0], nn.Upsample) and ldm.ups[0][-1][0].mode == "nearest"
    tiny = set_unet(dict(CASES["classes_nearest"])).eval()
    plain = set_unet({k: v for k, v in CASES["classes_nearest"].items() if k != "classes"}).eval()
    x, t, labels = torch.randn(3, 4, 8, 8), torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 1, 2])
    failures = {"(N) int64": (tiny, labels), "(N) float": (tiny, labels.float()),
                "(N, 1) int64": (tiny, labels[:, None]), "train_LDM on the LDM.json model": (plain, labels)}
    with torch.no_grad():
        for what, (model, lbls) in failures.items():
            try:
                model(x, t, x_self_cond=False, lbls=lbls)
            except (RuntimeError, AttributeError) as e:
                print(f"upstream rejects {what} labels: {type(e).__name__}: {e}")
            else:
                raise AssertionError(f"upstream accepted {what} labels")
        selfcond = set_unet(dict(CASES["self_condition_bilinear"])).eval()
        try:
            selfcond(x, t, x_self_cond=True)
        except TypeError as e:
            print(f"upstream rejects train_LDM's x_self_cond=True: {e}")
        else:
            raise AssertionError("x_self_cond=True accepted")
        assert tiny(x, t, lbls=upstream_labels(labels)).shape == x.shape


def write_readme(counts, ldm_count):
    lines = [
        "# latent_unet", "",
        "Written by `tools/reference/gen_latent_unet.py` from stanipov/pytorch-diffusion's own `src/models/unet.py`",
        f"(and the blocks it imports), commit `{COMMIT}`, built with its `set_unet(config)`; seeded random weights",
        "(conv/linear weights N(0, 1/fan_in), norm weights 1 + 0.1 N, biases 0.1 N), CPU float32.", "",
        "Each case folder holds `config.json` (the `unet_config` given to `set_unet`), `model.safetensors` (the state",
        "dict under upstream's keys) and `io.safetensors`: `latents` (2, 4, 8, 8), `timesteps` (2) float,",
        "`labels` (2) int64 (classed cases; upstream gets `labels.float()[:, None]`, (N, 1) float), `output`",
        "(2, 4, 8, 8), `grad_weight` w (2, 4, 8, 8), `latents_grad` = d sum(output * w) / d latents; the",
        "self-conditioned case also `self_cond` (2, 4, 8, 8) and `output_self_cond` (forward with `x_self_cond`).",
        f"`{PICKLED_CASE}/unet.pt` holds the same state dict as `train_LDM.py` saves it (`torch.save(state_dict)`).", "",
        "| case | dim_mults | stacks | classes | self_condition | up_mode | parameters |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, config in CASES.items():
        lines.append(f"| `{name}` | {config['dim_mults']} | {config['resnet_stacks']} | {config.get('classes', '-')} |"
                     f" {config.get('self_condition', False)} | {config.get('up_mode', 'bilinear (default)')} |"
                     f" {counts[name]:,} |")
    lines += ["", f"`counts.json`: `set_unet(configs/LDM.json unet_config)` has {ldm_count:,} parameters (no label",
              "embedding: set_unet reads `classes`, LDM.json has `num_classes`; avg pooling: set_unet ignores",
              "`down_mode`).", ""]
    (OUT / "README.md").write_text("\n".join(lines))


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models", "configs/LDM.json"])
    sys.path.insert(0, str(root))
    stub_modules("src.train", "src.train.util")
    from src.models.unet import set_unet
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    ldm = ldm_unet_config(root)
    check_upstream_behaviour(set_unet, ldm)
    gen = torch.Generator().manual_seed(SEED)
    counts = {name: unet_case(set_unet, name, config, gen) for name, config in CASES.items()}
    with torch.device("meta"):
        ldm_count = sum(p.numel() for p in set_unet(dict(ldm)).parameters())
    (OUT / "counts.json").write_text(json.dumps({"pytorch-diffusion-ldm": {"total": ldm_count}}, indent=2) + "\n")
    write_readme(counts, ldm_count)
    print(f"pytorch-diffusion-ldm: {ldm_count} parameters")


if __name__ == "__main__":
    main()

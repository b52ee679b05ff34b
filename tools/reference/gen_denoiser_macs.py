#!/usr/bin/env python3
"""Multiply-accumulate counts of the stage-2 denoisers, measured by fvcore's FlopCountAnalysis (one fvcore "flop" is
one multiply-add; its ``JitModelAnalysis`` with ``FlopCountAnalysis``' handlers) on the reference code itself:
diffusers' ``DiTTransformer2DModel`` (the real class) and
stanipov/pytorch-diffusion's latent ``Unet`` built by its own ``set_unet`` (``src/models/unet.py`` at the pinned
commit, extracted unmodified through ``upstream.py``; give ``--upstream DIR`` or $PYTORCH_DIFFUSION_REPO).

What is counted, so that the counts compare one to one with vae4j's analytic ``DiTConfig.macs`` and
``LatentUNetConfig.macs``: fvcore's own handlers for convolutions (``aten::_convolution``, transposed ones included),
linear layers (``aten::linear``, ``aten::addmm``) and matrix products (``aten::matmul``, ``aten::mm``, ``aten::bmm``,
``aten::einsum``: upstream's attention and linear attention); its norm and upsampling handlers are left out (vae4j
does not count norms, interpolation or any other elementwise op). Two handlers are the script's own: fvcore's einsum handler reads the
count from numpy's printed ``einsum_path`` report, rounded to 4 significant digits, so two-operand einsums are counted
exactly here as the product of their index sizes (fvcore's rounded sum is kept as ``einsum_by_fvcore_handler``; each
is asserted within 5e-4 of the exact count), and a one-operand einsum (DiT's unpatchify permutation) is 0, not
fvcore's numel / 2. fvcore 0.1.5 has no handler for
``aten::scaled_dot_product_attention`` (diffusers' attention processor calls it), so one is added here: for q (B, H,
Nq, d), k (B, H, Nk, d) and v (B, H, Nk, dv) it counts B*H*Nq*Nk*(d + dv), the score and value products. Every other
op (activations, softmax, elementwise arithmetic, pooling, embedding lookups) is not counted; the ops fvcore reported
as unhandled are listed per model in the output.

Writes ``vae-diffusion/src/test/resources/fixtures/macs/macs.json`` (one batch-1 forward per model: its config, the
latent side, the total and the counts by operator) and a README.md. Models: the ``DiT-S/2`` and ``DiT-B/2`` presets
at 32x32 latents (with a class label), a tiny DiT (patch 1, no attention bias, 6x6), the ``pytorch-diffusion-ldm``
preset (``set_unet(configs/LDM.json unet_config)``) at 64x64, and a tiny class-conditioned UNet with transposed-conv
upsampling at 8x8 (with a label). Weights are PyTorch's default initialisation: counts do not depend on them.
Deterministic: two runs write identical files.
"""

import json
import re
import sys
import warnings
from pathlib import Path

import torch
import torch.nn as nn
from fvcore.nn.jit_analysis import JitModelAnalysis
from fvcore.nn.flop_count import _DEFAULT_SUPPORTED_OPS
from fvcore.nn.jit_handles import einsum_flop_jit, get_shape
from diffusers import DiTTransformer2DModel

from upstream import snapshot, stub_modules, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/macs"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"

# name -> (DiTTransformer2DModel kwargs, latent side)
DITS = {
    "DiT-S/2": (dict(num_attention_heads=6, attention_head_dim=64, num_layers=12, in_channels=4, out_channels=8,
                     sample_size=32, patch_size=2), 32),
    "DiT-B/2": (dict(num_attention_heads=12, attention_head_dim=64, num_layers=12, in_channels=4, out_channels=8,
                     sample_size=32, patch_size=2), 32),
    "dit-tiny-patch1": (dict(num_attention_heads=2, attention_head_dim=8, num_layers=2, in_channels=3,
                             out_channels=None, sample_size=6, patch_size=1, attention_bias=False,
                             num_embeds_ada_norm=7), 6),
}
# name -> (unet_config, latent side, whether a label is passed); None: configs/LDM.json's unet_config
UNETS = {
    "pytorch-diffusion-ldm": (None, 64, False),
    "unet-tiny-conv-up-classes": (dict(img_size=8, in_channels=4, out_channels=4, init_dim=4, dim_mults=[1, 2, 2],
                                       resnet_grnorm_groups=2, resnet_stacks=2, attn_heads=2, attn_head_res=4,
                                       classes=5, up_mode="conv", time_dim=16), 8, True),
}


def sdpa_macs(inputs, outputs):
    """aten::scaled_dot_product_attention: q @ k^T and attn @ v, B*H*Nq*Nk*(d + dv) multiply-adds."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for size in q[:-2]:
        batch *= size
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def einsum_macs(inputs, outputs):
    """aten::einsum: the product of all index sizes for two operands (what fvcore's handler estimates through numpy's
    printed einsum_path, which rounds to 4 significant digits: 3.355e+07 for 33,554,432), 0 for one operand (DiT's
    unpatchify "nhwpqc->nchpwq", a permutation, which fvcore counts as numel / 2). fvcore's own value is kept in
    FVCORE_EINSUM for the output."""
    equation = inputs[0].toIValue().replace(" ", "")
    shapes = [get_shape(v) for v in inputs[1].node().inputs()]
    if len(shapes) == 1:
        return 0
    assert len(shapes) == 2 and "..." not in equation, equation
    sizes = {}
    for term, shape in zip(equation.split("->")[0].split(","), shapes):
        sizes.update(zip(term, shape))
    exact = 1
    for size in sizes.values():
        exact *= size
    rounded = einsum_flop_jit(inputs, outputs)
    assert abs(rounded - exact) <= 5e-4 * exact, (equation, rounded, exact)
    FVCORE_EINSUM.append(rounded)
    return exact


FVCORE_EINSUM = []
COUNTED = ["aten::_convolution", "aten::linear", "aten::addmm", "aten::matmul", "aten::mm", "aten::bmm"]


def count(model, inputs):
    """fvcore's multiply-adds of one traced forward, by operator: conv, linear, matrix products, einsum and SDPA."""
    analysis = JitModelAnalysis(model, inputs)
    analysis.set_op_handle(**{op: _DEFAULT_SUPPORTED_OPS[op] for op in COUNTED})
    analysis.set_op_handle("aten::einsum", einsum_macs, "aten::scaled_dot_product_attention", sdpa_macs)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    FVCORE_EINSUM.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = analysis.total()
        by_operator = dict(sorted(analysis.by_operator().items()))
    result = {"total": int(total), "by_operator": {k: int(v) for k, v in by_operator.items()},
              "not_counted": sorted(analysis.unsupported_ops())}
    if FVCORE_EINSUM:
        result["einsum_by_fvcore_handler"] = int(sum(FVCORE_EINSUM))
    return result


class DiTForward(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, t, labels):
        return self.model(x, timestep=t, class_labels=labels, return_dict=False)[0]


class UNetForward(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, t, lbls=None):
        return self.model(x, t, lbls=lbls)


def dit_entry(kwargs, side):
    model = DiTTransformer2DModel(**kwargs).eval()
    config = {k: v for k, v in model.config.items() if not k.startswith("_")}
    x = torch.randn(1, model.config.in_channels, side, side)
    inputs = (x, torch.tensor([500]), torch.tensor([3]))
    with torch.no_grad():
        entry = {"model": "diffusers DiTTransformer2DModel", "latent_size": side, "config": config,
                 **count(DiTForward(model), inputs)}
    entry["parameters"] = sum(p.numel() for p in model.parameters())
    return entry


def ldm_unet_config(root):
    text = (root / "configs/LDM.json").read_text()
    config = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))["unet_config"]
    del config["load_name"]
    return config


def unet_entry(set_unet, config, side, labelled):
    model = set_unet(dict(config)).eval()
    x = torch.randn(1, config["in_channels"], side, side)
    inputs = (x, torch.tensor([500.0])) + ((torch.tensor([[3.0]]),) if labelled else ())
    with torch.no_grad():
        entry = {"model": f"stanipov/pytorch-diffusion Unet ({COMMIT[:7]}, set_unet)", "latent_size": side,
                 "labels": labelled, "config": config, **count(UNetForward(model), inputs)}
    entry["parameters"] = sum(p.numel() for p in model.parameters())
    return entry


def write_readme(results):
    lines = [
        "# macs", "",
        "Written by `tools/reference/gen_denoiser_macs.py`: multiply-accumulates of one batch-1 forward, counted by",
        "fvcore 0.1.5's traced analysis with `FlopCountAnalysis`' handlers on the reference code (diffusers'",
        "`DiTTransformer2DModel`;",
        f"stanipov/pytorch-diffusion's `Unet` at `{COMMIT}` built by its `set_unet`). Counted: convolutions,",
        "linear layers, matmul/bmm, einsum (exact product of index sizes; fvcore's own handler rounds to 4 digits:",
        "`einsum_by_fvcore_handler`; a one-operand einsum, a permutation, as 0), and",
        "`scaled_dot_product_attention` (a handler added by the script: B*H*Nq*Nk*(d + dv)); not counted: norms,",
        "upsampling, and every op listed under `not_counted`.", "",
        "| model | latent | MACs | parameters |", "|---|---|---|---|",
    ]
    for name, entry in results.items():
        side = entry["latent_size"]
        lines.append(f"| `{name}` | {side}x{side} | {entry['total']:,} | {entry['parameters']:,} |")
    lines.append("")
    (OUT / "README.md").write_text("\n".join(lines))


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models", "configs/LDM.json"])
    sys.path.insert(0, str(root))
    stub_modules("src.train", "src.train.util")
    from src.models.unet import set_unet
    results = {name: dit_entry(kwargs, side) for name, (kwargs, side) in DITS.items()}
    for name, (config, side, labelled) in UNETS.items():
        results[name] = unet_entry(set_unet, config or ldm_unet_config(root), side, labelled)
    assert results["pytorch-diffusion-ldm"]["parameters"] == 12_191_108, "the preset's parameter count"
    for name, entry in results.items():
        assert entry["total"] > 0 and "aten::scaled_dot_product_attention" not in entry["not_counted"], name
        print(f"{name}: {entry['total'] / 1e9:.4f} GMACs at {entry['latent_size']}x{entry['latent_size']},"
              f" {entry['parameters']:,} parameters; by operator {entry['by_operator']}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "macs.json").write_text(json.dumps(results, indent=2) + "\n")
    write_readme(results)


if __name__ == "__main__":
    main()

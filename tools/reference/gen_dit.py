#!/usr/bin/env python3
"""Parity fixtures for vae4j's DiT (diffusers ``DiTTransformer2DModel``, the real class).

For every case in CASES this builds a tiny ``DiTTransformer2DModel``, overwrites EVERY parameter with seeded random
values (the DiT paper zero-initialises adaLN and the output projections, which would make the blocks identities and
the test blind), saves it with ``save_pretrained`` and writes into
``vae-diffusion/src/test/resources/fixtures/dit/<case>/``:

  config.json                         diffusers config (save_pretrained)
  diffusion_pytorch_model.safetensors diffusers state dict, float32 (no ``pos_embed.pos_embed``: diffusers registers
                                      the sin-cos table as a non-persistent buffer)
  io.safetensors                      inputs and reference outputs (see the generated README)

and ``counts.json``: the parameter counts of the DiT-S/2, B/2, L/2 and XL/2 configurations, counted by diffusers
itself (models built on the meta device).

Training-mode outputs: diffusers' ``LabelEmbedding.token_drop`` draws ``torch.rand(N)`` from the default generator in
every block's embedder (each ``AdaLayerNormZero`` owns one) and once more for the output modulation, and
``nn.Dropout`` draws ``bernoulli_(1 - p)`` masks from it; the case is run right after ``torch.manual_seed(seed)`` and
the Java test replays the same draws with a CPU generator seeded alike. ``force_drop_ids`` is not an argument of
``DiTTransformer2DModel.forward``: the forced case passes it to every ``LabelEmbedding`` through a wrapper.

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files. Never touches the network.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The Java tests run with the same pins (parent pom, surefire): fixtures then match on AVX2 and AVX-512 machines.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

import json
import math
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import safetensors
import torch
from safetensors.torch import load_file, save_file

import diffusers
from diffusers import DiTTransformer2DModel
from diffusers.models.embeddings import LabelEmbedding

diffusers.utils.logging.set_verbosity_error()
# LabelEmbedding.token_drop wraps force_drop_ids in torch.tensor(); its copy-construct warning is diffusers' own
warnings.filterwarnings("ignore", message="To copy construct from a tensor")

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_ROOT = REPO_ROOT / "vae-diffusion/src/test/resources/fixtures/dit"
BASE_SEED = 20230216

# name -> (DiTTransformer2DModel kwargs, timesteps (one per sample), resized side for the interpolated-position case).
# learned_sigma runs at timesteps up to 999, where float32 sin/cos of t * f are only good to ~3e-5 (one ulp of the
# angle) and 1-ulp differences between libtorch builds' exp kernels move them by up to 6e-5; the other case runs at
# small timesteps, where the model's own arithmetic is compared.
CASES = {
    "learned_sigma": (
        dict(num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=8, num_layers=2,
             sample_size=8, patch_size=2, num_embeds_ada_norm=10),
        [0.0, 417.25, 999.0], 12),
    "patch1_affine_dropout": (
        dict(num_attention_heads=2, attention_head_dim=4, in_channels=3, out_channels=None, num_layers=2,
             sample_size=6, patch_size=1, num_embeds_ada_norm=7, attention_bias=False, activation_fn="gelu",
             norm_elementwise_affine=True, norm_eps=1e-6, dropout=0.25),
        [3.0, 41.5], 4),
}

# Scale of the adaLN modulation weights relative to N(0, 1/fan_in). Trained DiTs start these at zero (adaLN-Zero) and
# keep (1 + scale) and the gates near 1; at unit gain they reach 3-4 and the outputs grow to ~6, where float32 rounding
# of the timestep features (sin/cos of t * f for t ~ 1000, whose last-ulp differences between libtorch builds' exp
# kernels move the angle by ~6e-5) alone costs ~1e-5 absolute.
MODULATION_GAIN = 0.3

# DiT's published sizes (Peebles & Xie, Table 1): heads x head dim, layers; latents 4 -> 8 (learned sigma), 32 px, p 2.
PRESETS = {
    "DiT-S/2": (6, 64, 12),
    "DiT-B/2": (12, 64, 12),
    "DiT-L/2": (16, 64, 24),
    "DiT-XL/2": (16, 72, 28),
}


def setup_determinism():
    torch.manual_seed(BASE_SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)


@torch.no_grad()
def randomize_(model, gen):
    """Every parameter: linear/conv weights N(0, 1/fan_in) (the modulation linears ``norm1.linear`` and ``proj_out_1``
    N(0, MODULATION_GAIN^2/fan_in)), embedding tables N(0, 1), LayerNorm weights 1 + 0.1 N, all biases 0.1 N."""
    done = set()
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.LayerNorm):
            if m.weight is None:
                continue
            m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=gen))
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            gain = MODULATION_GAIN if name.endswith("norm1.linear") or name == "proj_out_1" else 1.0
            m.weight.copy_(gain * torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.weight[0].numel()))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
        elif isinstance(m, torch.nn.Embedding):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen))
        else:
            continue
        done.update(id(p) for p in m.parameters(recurse=False))
    missed = [n for n, p in model.named_parameters() if id(p) not in done]
    assert not missed, f"parameters not randomized: {missed}"


class ForcedDrop:
    """Passes ``force_drop_ids`` to every LabelEmbedding of the model while active (diffusers' DiT forward has no such
    argument; LabelEmbedding.forward has)."""

    def __init__(self, model, ids):
        self.embedders = [m for m in model.modules() if isinstance(m, LabelEmbedding)]
        self.ids = ids

    def __enter__(self):
        for e in self.embedders:
            e.forward = (lambda labels, force_drop_ids=None, _e=e:
                         LabelEmbedding.forward(_e, labels, force_drop_ids=self.ids))

    def __exit__(self, *exc):
        for e in self.embedders:
            del e.forward


def forward(model, x, t, labels):
    return model(x, timestep=t, class_labels=labels).sample


def reference_outputs(model, io, train_seed):
    """Every output, recomputed identically from the same inputs (used for writing and for the reload check)."""
    x, t, labels, w = io["latents"], io["timesteps"], io["labels"], io["grad_weight"]
    null = torch.full_like(labels, model.config.num_embeds_ada_norm)
    out = {}
    model.eval()
    with torch.no_grad():
        out["eval"] = forward(model, x, t, labels)
        out["eval_null"] = forward(model, x, t, null)
        out["eval_resized"] = forward(model, io["latents_resized"], t, labels)
    xg = x.clone().requires_grad_(True)
    (forward(model, xg, t, labels) * w).sum().backward()
    out["grad_latents"] = xg.grad.detach()
    model.zero_grad(set_to_none=True)
    model.train()
    with torch.no_grad():
        torch.manual_seed(train_seed)
        with ForcedDrop(model, io["force_drop_ids"]):
            out["train_forced"] = forward(model, x, t, labels)
        torch.manual_seed(train_seed + 1)
        out["train_seeded"] = forward(model, x, t, labels)
    model.eval()
    return {k: v.detach().contiguous() for k, v in out.items()}


def make_inputs(cfg, timesteps, resized, gen):
    c, s = cfg["in_channels"], cfg["sample_size"]
    out_c = cfg["out_channels"] or c
    batch = len(timesteps)
    return {
        "latents": torch.randn(batch, c, s, s, generator=gen),
        "latents_resized": torch.randn(batch, c, resized, resized, generator=gen),
        "timesteps": torch.tensor(timesteps, dtype=torch.float32),
        "labels": torch.randint(0, cfg["num_embeds_ada_norm"], (batch,), generator=gen, dtype=torch.int64),
        "force_drop_ids": torch.tensor([1, 0, 1][:batch], dtype=torch.int64),
        "grad_weight": torch.randn(batch, out_c, s, s, generator=gen),
    }


def drop_draws(batch, num_layers, seed):
    """The class-dropout decisions diffusers' training forward draws after manual_seed(seed) when dropout is 0: one
    rand(N) per block embedder, then one for the output modulation (block 0's embedder again)."""
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.rand(batch, generator=g) < 0.1 for _ in range(num_layers + 1)])


def verify_case(folder, io, train_seed):
    """Reload from disk with from_pretrained and recompute: bit-identical."""
    model = DiTTransformer2DModel.from_pretrained(folder, local_files_only=True)
    saved = load_file(folder / "diffusion_pytorch_model.safetensors")
    assert "pos_embed.pos_embed" not in saved
    assert set(saved) == {n for n, _ in model.named_parameters()}, "state dict != named_parameters"
    recomputed = reference_outputs(model, io, train_seed)
    for k, v in recomputed.items():
        assert torch.equal(v, io[k]), f"io: {k} differs after reload"


def rng(t):
    return f"[{t.min().item():+.4f}, {t.max().item():+.4f}]"


def generate_case(idx, name, kwargs, timesteps, resized):
    gen = torch.Generator().manual_seed(BASE_SEED + 1000 * idx)
    train_seed = BASE_SEED + 1000 * idx + 7
    model = DiTTransformer2DModel(**kwargs).eval()
    randomize_(model, gen)
    folder = OUT_ROOT / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    model.save_pretrained(folder, safe_serialization=True)

    io = make_inputs(kwargs, timesteps, resized, gen)
    batch = len(timesteps)
    io.update(reference_outputs(model, io, train_seed))
    io["train_seed"] = torch.tensor([train_seed], dtype=torch.int64)
    if kwargs.get("dropout", 0.0) == 0.0:
        # the random case must actually drop some labels and keep others, or it tests nothing beyond eval
        draws = drop_draws(batch, kwargs["num_layers"], train_seed + 1)
        assert draws.any() and not draws.all(), f"{name}: seed draws no mixed class dropout: {draws.tolist()}"
        io["train_seeded_drops"] = draws.to(torch.int64)
    save_file(io, folder / "io.safetensors", metadata={"source": f"tools/reference/gen_dit.py case={name}"})
    verify_case(folder, io, train_seed)
    for f in folder.iterdir():
        f.chmod(0o644)

    n_params = sum(p.numel() for p in model.parameters())
    size = sum(p.stat().st_size for p in folder.iterdir())
    summary = (f"{name}: params={n_params} latents={tuple(io['latents'].shape)} eval={rng(io['eval'])} "
               f"train_seeded={rng(io['train_seeded'])} grad={rng(io['grad_latents'])}")
    return dict(name=name, kwargs=kwargs, n_params=n_params, size=size, summary=summary,
                config=json.loads((folder / "config.json").read_text()))


def preset_counts():
    counts = {}
    for name, (heads, head_dim, layers) in PRESETS.items():
        with torch.device("meta"):
            model = DiTTransformer2DModel(num_attention_heads=heads, attention_head_dim=head_dim, num_layers=layers,
                                          in_channels=4, out_channels=8, sample_size=32, patch_size=2,
                                          num_embeds_ada_norm=1000)
        counts[name] = {"num_attention_heads": heads, "attention_head_dim": head_dim, "num_layers": layers,
                        "total": sum(p.numel() for p in model.parameters())}
    return counts


def write_readme(results, counts):
    versions = (f"torch {torch.__version__}, diffusers {diffusers.__version__}, "
                f"safetensors {safetensors.__version__}, numpy {np.__version__}")
    lines = [
        "# DiT parity fixtures",
        "",
        "Generated by `tools/reference/gen_dit.py` (run `tools/reference/generate_all.sh`; do not edit by hand).",
        f"Versions: {versions}. CPU, float32, 1 thread, deterministic algorithms, base seed {BASE_SEED}.",
        "",
        "Model: diffusers' `DiTTransformer2DModel` with every parameter overwritten by seeded values (linear/conv",
        f"weights N(0, 1/fan_in), the adaLN modulation linears `norm1.linear` and `proj_out_1` at gain {MODULATION_GAIN},",
        "embedding tables N(0, 1), LayerNorm weights 1 + 0.1 N, biases 0.1 N).",
        "",
        "## Files per case",
        "",
        "- `config.json`, `diffusion_pytorch_model.safetensors`: `save_pretrained` output (the sin-cos `pos_embed` is a",
        "  non-persistent buffer, absent from the file).",
        "- `io.safetensors` (float32 unless noted):",
        "  - `latents` (N, C, s, s) randn; `latents_resized` (N, C, r, r) randn at another square size;",
        "    `timesteps` (N) float; `labels` (N) int64; `force_drop_ids` (N) int64 (1 = drop);",
        "    `grad_weight` (N, out, s, s) randn; `train_seed` (1) int64.",
        "  - `eval` = forward(latents, timesteps, labels).sample in eval mode; `eval_null` = the same with every label the",
        "    null class `num_embeds_ada_norm`; `eval_resized` = forward of `latents_resized` (diffusers recomputes the",
        "    sin-cos positions for the new grid with the model's base size).",
        "  - `grad_latents` = d sum(forward(latents) * grad_weight) / d latents, eval mode.",
        "  - `train_forced`: training mode after `torch.manual_seed(train_seed)`, `force_drop_ids` passed to every",
        "    `LabelEmbedding` (no random class dropout; `nn.Dropout` draws from the seeded generator when dropout > 0).",
        "  - `train_seeded`: training mode after `torch.manual_seed(train_seed + 1)`: each block's embedder and then",
        "    the output modulation's (block 0's embedder again) draw `rand(N) < 0.1` in turn, interleaved with the",
        "    dropout masks. `train_seeded_drops` (layers + 1, N) int64: those draws (dropout-free case only).",
        "- `counts.json` (beside this README): parameter counts of DiT-S/2, B/2, L/2, XL/2 counted by diffusers (meta device).",
        "",
        "## Cases",
        "",
    ]
    for r in results:
        lines.append(f"- `{r['name']}`: {json.dumps(r['kwargs'])}; timesteps {CASES[r['name']][1]}; "
                     f"{r['n_params']} parameters; {r['size']} bytes.")
    lines += ["", "## Preset parameter counts (diffusers)", ""]
    for name, c in counts.items():
        lines.append(f"- {name}: {c['total']:,}")
    lines += ["", "## Summaries (printed by the generator)", "", "```"] + [r["summary"] for r in results] + ["```", ""]
    (OUT_ROOT / "README.md").write_text("\n".join(lines))


def main():
    setup_determinism()
    OUT_ROOT.mkdir(parents=True, exist_ok=True)
    results = []
    for idx, (name, (kwargs, timesteps, resized)) in enumerate(CASES.items()):
        r = generate_case(idx, name, kwargs, timesteps, resized)
        print(r["summary"], flush=True)
        results.append(r)
    counts = preset_counts()
    assert counts["DiT-XL/2"]["total"] == 749_826_464 and counts["DiT-S/2"]["total"] == 39_805_088, counts
    (OUT_ROOT / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    write_readme(results, counts)
    total = sum(p.stat().st_size for p in OUT_ROOT.rglob("*") if p.is_file())
    print(f"wrote {len(results)} cases and counts.json to {OUT_ROOT.relative_to(REPO_ROOT)} ({total} bytes); "
          f"all checks passed")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Parity fixtures for vae-core's vector quantizers (``dev.vae4j.core.quant``), from the reference code itself:

- taming-transformers' ``VectorQuantizer2`` (vendored unmodified in ``vendor/taming-transformers/``, MIT);
- stanipov/pytorch-diffusion's ``VectorQuantizer`` and ``VectorQuantizerEMA`` (``src/models/vq.py``). That repository
  has no licence, so nothing of it is vendored: give a git clone (or the bare mirror) as ``--upstream DIR`` (or
  $PYTORCH_DIFFUSION_REPO); the file is extracted unmodified from the pinned commit
  705b0076fc4fc3968cf52fae47bbb6fbdace5a6d and imported.

Writes into ``vae-core/src/test/resources/fixtures/quantizers/<case>/`` (see the generated README.md):

  weights.safetensors   the quantizer's state_dict under the reference's own key names
  io.safetensors        per step s (0..): ``input.s`` (N, C, H, W), ``quantized.s``, ``loss.s`` (scalar),
                        ``indices.s`` (the reference's own index tensor, its own shape), ``perplexity.s`` (the
                        reference's own for the EMA quantizer, else exp(-sum p log(p + 1e-10)) of the returned indices'
                        frequencies over the index range, as pytorch-diffusion's VectorQuantizerEMA computes it),
                        ``grad.s`` (d/d input of sum(quantized * probe) + loss, through the straight-through
                        estimator), ``probe`` (the fixed multiplier); the EMA case adds the state after each step
                        (``ema_cluster_size.s``, ``ema_w.s``, ``embedding.s``); the taming cases ``codes.0``
                        (``get_codebook_entry`` of the returned indices)
  used.npy              the remap cases' array of used indices, as ``np.save`` writes it

Seeded, CPU, float32, one thread, deterministic: two runs give byte-identical files.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

from upstream import snapshot, upstream_arg

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR = Path(__file__).resolve().parent / "vendor" / "taming-transformers"
OUT = REPO_ROOT / "vae-core/src/test/resources/fixtures/quantizers"
COMMIT = "705b0076fc4fc3968cf52fae47bbb6fbdace5a6d"
SEED = 28
RANDOM_UNKNOWN_SEED = 2828
N_E, E_DIM, BETA = 16, 4, 0.25
SHAPE = (2, E_DIM, 3, 4)
USED = np.array([0, 2, 3, 5, 7, 11, 13], dtype=np.int64)

TAMING_CASES = {
    "taming_legacy": dict(legacy=True, sane_index_shape=False),
    "taming_fixed_beta": dict(legacy=False, sane_index_shape=True),
    "taming_remap_extra": dict(legacy=True, sane_index_shape=True, remap=True, unknown_index="extra"),
    "taming_remap_index": dict(legacy=False, sane_index_shape=False, remap=True, unknown_index=1),
    "taming_remap_random": dict(legacy=True, sane_index_shape=True, remap=True, unknown_index="random"),
}


def perplexity_of(indices, size):
    """exp(-sum p log(p + 1e-10)) of the index frequencies, as pytorch-diffusion's VectorQuantizerEMA computes it."""
    encodings = torch.nn.functional.one_hot(indices.reshape(-1), size).float()
    avg_probs = encodings.mean(0)
    return torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))


def step(module, z, probe, forward, tensors, s):
    """One forward and backward of sum(quantized * probe) + loss; records the outputs of step s."""
    z = z.clone().requires_grad_(True)
    quantized, loss, indices, perplexity = forward(module, z)
    (torch.sum(quantized * probe) + loss).backward()
    tensors.update({f"input.{s}": z.detach(), f"quantized.{s}": quantized.detach(), f"loss.{s}": loss.detach(),
                    f"indices.{s}": indices.detach().long(), f"perplexity.{s}": perplexity.detach(),
                    f"grad.{s}": z.grad.detach()})
    return indices


def save(name, module, tensors, described):
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
    save_file(weights, str(folder / "weights.safetensors"), metadata={"format": "pt"})
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / "io.safetensors"),
              metadata={"format": "pt"})
    described[name] = {"weights": {k: list(v.shape) for k, v in weights.items()},
                       "io": {k: list(v.shape) for k, v in sorted(tensors.items())}}


def vendored_quantize():
    """The vendored ``taming/modules/vqvae/quantize.py``, loaded by path (a pip package named ``taming`` may shadow it)."""
    spec = importlib.util.spec_from_file_location("taming_quantize", VENDOR / "taming/modules/vqvae/quantize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def taming_cases(gen, described):
    VectorQuantizer2 = vendored_quantize().VectorQuantizer2
    for name, case in TAMING_CASES.items():
        remap = None
        if case.get("remap"):
            (OUT / name).mkdir(parents=True, exist_ok=True)
            remap = str(OUT / name / "used.npy")
            np.save(remap, USED)
        module = VectorQuantizer2(N_E, E_DIM, BETA, remap=remap, unknown_index=case.get("unknown_index", "random"),
                                  sane_index_shape=case["sane_index_shape"], legacy=case["legacy"])
        with torch.no_grad():  # a spread-out codebook, so that the batch uses several codes
            module.embedding.weight.copy_(torch.randn(N_E, E_DIM, generator=gen))
        z = torch.randn(SHAPE, generator=gen)
        probe = torch.randn(SHAPE, generator=gen)

        def forward(m, x):
            if case.get("unknown_index") == "random":
                torch.manual_seed(RANDOM_UNKNOWN_SEED)  # remap_to_used draws from the global generator
            quantized, loss, (_, _, indices) = m(x)
            return quantized, loss, indices, perplexity_of(indices, m.re_embed)

        tensors = {"probe": probe}
        indices = step(module, z, probe, forward, tensors, 0)
        tensors["embedding_grad.0"] = module.embedding.weight.grad.detach().clone()
        with torch.no_grad():
            shape = (SHAPE[0], SHAPE[2], SHAPE[3], SHAPE[1])
            tensors["codes.0"] = module.get_codebook_entry(indices.clone().reshape(-1), shape)
        save(name, module, tensors, described)


def pytorch_diffusion_cases(vq, gen, described):
    module = vq.VectorQuantizer(N_E, E_DIM, BETA, sane_index_shape=True)
    with torch.no_grad():
        module._embedding.weight.copy_(torch.randn(N_E, E_DIM, generator=gen))
    z = torch.randn(SHAPE, generator=gen)
    probe = torch.randn(SHAPE, generator=gen)

    def forward(m, x):
        loss, quantized, _, _, indices = m(x)
        return quantized, loss, indices, perplexity_of(indices, N_E)

    tensors = {"probe": probe}
    step(module, z, probe, forward, tensors, 0)
    tensors["embedding_grad.0"] = module._embedding.weight.grad.detach().clone()
    save("pd_vector_quantizer", module, tensors, described)

    ema = vq.VectorQuantizerEMA(N_E, E_DIM, BETA, decay=0.9, epsilon=1e-5)
    with torch.no_grad():
        # a mid-training state (embedding = ema_w / cluster size): from the upstream initialisation (zero cluster
        # sizes, ema_w drawn independently of the embedding) the first update divides by ~epsilon and gives unused
        # codes of magnitude 1e5, which no absolute tolerance covers
        size = torch.rand(N_E, generator=gen) * 1.5 + 0.5
        embedding = torch.randn(N_E, E_DIM, generator=gen)
        ema._ema_cluster_size.copy_(size)
        ema._ema_w.copy_(embedding * size[:, None])
        ema._embedding.weight.copy_(embedding)
    ema.train()
    initial = {k: v.detach().clone() for k, v in ema.state_dict().items()}
    probe = torch.randn(SHAPE, generator=gen)

    def forward_ema(m, x):
        loss, quantized, perplexity, encodings = m(x)
        return quantized, loss, encodings.argmax(1).reshape(SHAPE[0], SHAPE[2], SHAPE[3]), perplexity

    tensors = {"probe": probe}
    for s in range(4):
        z = torch.randn(SHAPE, generator=gen) * 1.5
        step(ema, z, probe, forward_ema, tensors, s)
        tensors[f"ema_cluster_size.{s}"] = ema._ema_cluster_size.detach().clone()
        tensors[f"ema_w.{s}"] = ema._ema_w.detach().clone()
        tensors[f"embedding.{s}"] = ema._embedding.weight.detach().clone()
    folder = OUT / "pd_vector_quantizer_ema"
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in initial.items()}, str(folder / "weights.safetensors"),
              metadata={"format": "pt"})
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / "io.safetensors"),
              metadata={"format": "pt"})
    described["pd_vector_quantizer_ema"] = {"weights": {k: list(v.shape) for k, v in initial.items()},
                                            "io": {k: list(v.shape) for k, v in sorted(tensors.items())}}


def check(described):
    """The fixtures must exercise what they claim: several codes used, unknown indices remapped, EMA state moving."""
    from safetensors.torch import load_file
    for name in described:
        io = load_file(str(OUT / name / "io.safetensors"))
        assert len(torch.unique(io["indices.0"])) >= 4, f"{name}: too few codes used"
        assert torch.isfinite(io["grad.0"]).all(), name
    extra = load_file(str(OUT / "taming_remap_extra" / "io.safetensors"))
    assert (extra["indices.0"] == len(USED)).any(), "no unknown index in the remap case"
    ema = load_file(str(OUT / "pd_vector_quantizer_ema" / "io.safetensors"))
    assert not torch.equal(ema["embedding.0"], ema["embedding.3"]), "EMA state did not move"


def readme(described):
    lines = ["# quantizers", "", "Generated by `tools/reference/gen_quantizers.py` (do not edit) from taming-transformers "
             "`3ba01b2` (vendored `VectorQuantizer2`) and stanipov/pytorch-diffusion `705b007` (`src/models/vq.py`). "
             f"Codebook 16 x 4, beta {BETA}, inputs {list(SHAPE)}; step s tensors are suffixed `.s`. See the script's "
             "docstring for what each tensor is.", "",
             "Upstream behaviour met:", "",
             "- pytorch-diffusion's `VectorQuantizerEMA` starts with zero cluster sizes and an `_ema_w` drawn "
             "independently of the codebook, so its first training step divides the moving sums of unused codes by "
             "~epsilon (codes of magnitude ~1e5); the EMA case therefore starts from a consistent mid-training state.",
             "- It writes the Laplace-smoothed cluster sizes back into `_ema_cluster_size` (Sonnet keeps the raw "
             "moving counts and smooths only for the division), so the smoothing compounds step after step; vae4j "
             "follows pytorch-diffusion.",
             "- taming's `EMAVectorQuantizer` does not run as published (its `__init__` reads undefined names), so "
             "the EMA reference is pytorch-diffusion's.", ""]
    for name, parts in described.items():
        case = TAMING_CASES.get(name, {})
        lines.append(f"## {name}" + (f" ({json.dumps(case, sort_keys=True)})" if case else ""))
        lines.append("")
        for part, shapes in parts.items():
            lines.append(f"- `{part}.safetensors`: " + ", ".join(f"`{k}` {v}" for k, v in shapes.items()))
        lines.append("")
    (OUT / "README.md").write_text("\n".join(lines))


def main():
    repo = upstream_arg("PYTORCH_DIFFUSION_REPO", "stanipov/pytorch-diffusion")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    root = snapshot(repo, COMMIT, ["src/__init__.py", "src/models/__init__.py", "src/models/vq.py"])
    sys.path.insert(0, str(root))
    import src.models.vq as vq
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(SEED)
    described = {}
    taming_cases(gen, described)
    pytorch_diffusion_cases(vq, gen, described)
    check(described)
    readme(described)


if __name__ == "__main__":
    main()

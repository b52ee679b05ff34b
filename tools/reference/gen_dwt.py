#!/usr/bin/env python3
"""Parity fixtures for vae4j's Haar DWT (PyWavelets reference).

Writes ``vae-dwt/src/test/resources/fixtures/dwt/haar.safetensors`` holding, in float64:

  x            (2, 3, 16, 24) input, uniform in [-1, 1]
  LL{l}        pywt approximation after l levels, l = 1..3 (wavedec2(x, level=l)[0])
  H{l} V{l} D{l}  pywt level-l details (cH, cV, cD: pywt's "horizontal", "vertical", "diagonal")

pywt conventions: orthonormal Haar (dec_lo = [s, s], dec_hi = [-s, s], s = 1/sqrt(2)); the transform is
applied over the last two axes (rows = H, cols = W). Sizes are even at every level, so the boundary mode
is irrelevant (``periodization`` is used: no padding, exact halving). Deterministic (fixed seed).
"""

from pathlib import Path

import numpy as np
import pywt
import torch
from safetensors.torch import save_file

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT = REPO_ROOT / "vae-dwt/src/test/resources/fixtures/dwt/haar.safetensors"
LEVELS = 3


def main():
    rng = np.random.default_rng(20240607)
    x = rng.uniform(-1.0, 1.0, size=(2, 3, 16, 24))
    tensors = {"x": torch.from_numpy(x.copy())}
    for level in range(1, LEVELS + 1):
        coeffs = pywt.wavedec2(x, "haar", mode="periodization", level=level, axes=(-2, -1))
        tensors[f"LL{level}"] = torch.from_numpy(np.ascontiguousarray(coeffs[0]))
        ch, cv, cd = coeffs[1]  # the coarsest details (level `level`)
        tensors[f"H{level}"] = torch.from_numpy(np.ascontiguousarray(ch))
        tensors[f"V{level}"] = torch.from_numpy(np.ascontiguousarray(cv))
        tensors[f"D{level}"] = torch.from_numpy(np.ascontiguousarray(cd))
        # self-checks: perfect reconstruction and LL_l / 2^l = block mean
        rec = pywt.waverec2(coeffs, "haar", mode="periodization", axes=(-2, -1))
        assert np.abs(rec - x).max() < 1e-12
        b = 2 ** level
        mean = x.reshape(2, 3, 16 // b, b, 24 // b, b).mean(axis=(3, 5))
        assert np.abs(coeffs[0] / b - mean).max() < 1e-12
    # the 2x2 worked example of the reference notes
    ll, (h, v, d) = pywt.dwt2(np.array([[1.0, 2.0], [3.0, 5.0]]), "haar")
    assert np.allclose([ll[0, 0], h[0, 0], v[0, 0], d[0, 0]], [5.5, -2.5, -1.5, 0.5])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT), metadata={"source": f"pywt {pywt.__version__} wavedec2 haar periodization"})
    print(f"wrote {OUT.relative_to(REPO_ROOT)} ({OUT.stat().st_size} bytes, {len(tensors)} tensors)")


if __name__ == "__main__":
    main()
